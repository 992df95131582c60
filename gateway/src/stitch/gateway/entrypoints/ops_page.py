"""The small HTML page ops open at /ops/health."""

OPS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stitch · health</title>
<meta http-equiv="refresh" content="5">
<style>
 body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:44rem;color:#1f2933}
 h1{font-size:1.4rem} table{border-collapse:collapse;width:100%}
 td,th{padding:.5rem .75rem;border-bottom:1px solid #e4e7eb;text-align:left}
 .ready{color:#0b7a3e;font-weight:600} .bad{color:#b42318;font-weight:600} small{color:#616e7c}
</style></head><body>
<h1>Stitch is <span class="{{ 'ready' if health.status == 'ready' else 'bad' }}">{{ health.status }}</span></h1>
<table><tr><th>Part</th><th>Status</th><th>Details</th></tr>
{% for name, part in health.services.items() %}
<tr><td>{{ name }}</td>
<td class="{{ 'ready' if part.status == 'ready' else 'bad' }}">{{ part.status }}</td>
<td><small>{% for check, result in (part.checks or {}).items() %}{{ check }}: {{ 'ok' if result.ok else 'failing' }}
{% if result.detail %}({{ result.detail }}){% endif %}<br>{% endfor %}{{ part.error or '' }}</small></td></tr>
{% endfor %}</table>
<p><small>Refreshes every 5 s. Sign in as an admin to see each check.</small></p>
</body></html>
"""
