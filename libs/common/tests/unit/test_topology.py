from stitch.common.messaging.topology import Topology


def test_names_carry_the_prefix():
    topology = Topology(prefix="run1.")
    assert topology.events.name == "run1.stitch.events" and topology.events.type == "topic"
    assert topology.events.durable
    assert topology.dead_letters.name == "run1.stitch.events.dlx"
    assert topology.queue_name("accounts") == "run1.accounts.events"
    assert Topology().queue_name("accounts") == "accounts.events"


def test_service_queues_are_quorum_with_a_delivery_limit_and_dead_lettering():
    topology = Topology(prefix="p.", delivery_limit=7)
    queues = topology.service_queues("accounts", ["templates.b.v1", "templates.a.v1", "templates.a.v1"])
    assert [q.routing_key for q in queues] == ["templates.a.v1", "templates.b.v1"]  # one per binding
    for queue in queues:
        assert queue.name == "p.accounts.events" and queue.durable
        assert queue.exchange.name == "p.stitch.events"
        assert queue.queue_arguments == {
            "x-queue-type": "quorum",
            "x-delivery-limit": 7,
            "x-dead-letter-exchange": "p.stitch.events.dlx",
            "x-dead-letter-routing-key": "p.accounts.events",
        }


def test_default_delivery_limit_is_five():
    (queue,) = Topology().service_queues("portal", ["accounts.x.v1"])
    assert queue.queue_arguments["x-delivery-limit"] == 5


def test_dead_letter_queue_is_bound_to_the_dlx_by_queue_name():
    topology = Topology(prefix="p.")
    dlq = topology.dead_letter_queue("accounts")
    assert dlq.name == "p.accounts.events.dlq" and dlq.durable
    assert dlq.exchange.name == "p.stitch.events.dlx"
    assert dlq.routing_key == "p.accounts.events"
    assert dlq.queue_arguments == {"x-queue-type": "quorum"}
    # the DLQ's binding key is exactly what the service queue dead-letters with
    (queue,) = topology.service_queues("accounts", ["a.b.v1"])
    assert queue.queue_arguments["x-dead-letter-routing-key"] == dlq.routing_key
