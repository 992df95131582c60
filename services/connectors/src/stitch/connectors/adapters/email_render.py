"""An outgoing customer email as a branded mail: From, Reply-To, a text part and an HTML part.

The HTML is built only from fixed markup and escaped input: a body, a name, a colour or a URL can
add text, never a tag, an attribute or a style. Styles are inline because many mail clients drop
<style> blocks.
"""

from __future__ import annotations

import re
from email.utils import formataddr, make_msgid, parseaddr
from html import escape
from urllib.parse import SplitResult, quote, urlsplit

from stitch.common.mail import Mail
from stitch.connectors.domain.messages import Branding, OutgoingEmail, Person

_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_DEFAULTS = Branding()
_FONT = "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif;"
_LINK_SCHEMES = ("http", "https", "mailto")
# Prose punctuation that ends a sentence or closes a bracket is not part of a bare link.
_TRAILING = ".,;:!?)]}>'\""

# Inline Markdown, leftmost match first; at the same spot the earlier alternative wins.
_LINK = r"\[(?P<label>[^\[\]\n]+)\]\((?P<href>[^\s()]+)\)"
_BARE_URL = r"(?P<url>(?:https?://|mailto:)[^\s<>\"']+)"
_BOLD = r"\*\*(?P<bold>[^\s*](?:.*?[^\s*])?)\*\*"
_ITALIC = r"\*(?P<italic>[^\s*](?:.*?[^\s*])?)\*"
_INLINE = re.compile("|".join((_LINK, _BARE_URL, _BOLD, _ITALIC)), re.IGNORECASE)
_EMPHASIS_ONLY = re.compile("|".join((_BOLD, _ITALIC)))  # inside a link's label: no link in a link


def render(email: OutgoingEmail, *, sender_address: str) -> Mail:
    """The mail to hand to a transport. ``sender_address`` is the configured sender (bare address).

    The From address is always ``sender_address``, so SPF, DKIM and DMARC pass for our domain;
    only the display name says who wrote it, and replies go to ``email.reply_to`` (the CSM).
    """
    branding = email.branding
    headers: tuple[tuple[str, str], ...] = ()
    if email.notification:
        # Mail to the unsubscribe address for now; a one-click HTTPS link (RFC 8058, with
        # List-Unsubscribe-Post) comes with the portal's notification preferences.
        target = _address(branding.support_email) or _address(email.reply_to) or sender_address
        headers = (("List-Unsubscribe", f"<mailto:{quote(target, safe='@')}?subject=unsubscribe>"),)
    return Mail(
        sender=formataddr((_display_name(email.from_name, branding.company_name), sender_address)),
        to=", ".join(_addresses(email.to)),
        cc=_addresses(email.cc),
        bcc=_addresses(email.bcc),
        reply_to=email.reply_to or None,
        subject=_one_line(email.subject),
        text=_text(email.body_markdown, branding),
        html=_html(email, branding),
        headers=headers,
        # Made here with our own domain (not by DNS, which can hang) so the caller can store it.
        message_id=make_msgid(domain=(_address(sender_address) or "").rpartition("@")[2] or "localhost"),
    )


def _display_name(from_name: str, company_name: str) -> str:
    from_name, company_name = _one_line(from_name), _one_line(company_name)
    if not from_name:
        return company_name
    if company_name and company_name != from_name:
        return f"{from_name} at {company_name}"
    return from_name


def _addresses(people: tuple[Person, ...]) -> tuple[str, ...]:
    # formataddr quotes names with commas or quotes and encodes non-ASCII ones (RFC 2047).
    return tuple(formataddr((_one_line(person.name), person.email.strip())) for person in people)


def _one_line(value: str) -> str:
    # Names and subjects are one line; a stray line break becomes a space instead of failing the send.
    return " ".join(value.split())


def _address(value: str | None) -> str | None:
    address = parseaddr(value or "")[1]
    return address if "@" in address and not re.search(r"[\s<>]", address) else None


# the text part


def _text(body: str, branding: Branding) -> str:
    footer = _footer_lines(branding)
    text = body.replace("\r\n", "\n").rstrip()
    return f"{text}\n\n-- \n" + "\n".join(footer) + "\n" if footer else text + "\n"


def _footer_lines(branding: Branding) -> list[str]:
    lines = [_one_line(branding.company_name)] if branding.company_name.strip() else []
    support = _address(branding.support_email)
    if support:
        lines.append(f"Questions? Write to {support}")
    return lines


# the HTML part


def _html(email: OutgoingEmail, branding: Branding) -> str:
    primary = _colour(branding.primary_color, _DEFAULTS.primary_color)
    accent = _colour(branding.accent_color, _DEFAULTS.accent_color)
    header = _header(branding)
    header_row = f'<tr><td style="padding:24px 32px 16px 32px;{_FONT}">{header}</td></tr>' if header else ""
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(_one_line(email.subject))}</title></head>\n"
        '<body style="margin:0;padding:0;background-color:#f3f4f6;">\n'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'style="background-color:#f3f4f6;"><tr><td align="center" style="padding:24px 12px;">\n'
        '<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" '
        'style="width:100%;max-width:600px;background-color:#ffffff;border-radius:8px;">\n'
        f"{header_row}\n"
        f'<tr><td style="height:4px;line-height:4px;font-size:0;background-color:{primary};">&nbsp;</td></tr>\n'
        f'<tr><td style="padding:24px 32px;{_FONT}font-size:16px;line-height:1.5;color:#111827;">\n'
        f"{_body_html(email.body_markdown, accent)}\n</td></tr>\n"
        f"{_footer_html(branding, accent)}"
        "</table>\n</td></tr></table>\n</body></html>\n"
    )


def _colour(value: str | None, default: str) -> str:
    return value if value and _COLOUR.fullmatch(value) else default


def _header(branding: Branding) -> str:
    name = _one_line(branding.company_name)
    logo = branding.logo_url if _is_https_url(branding.logo_url) else None
    if logo:
        return (f'<img src="{escape(logo)}" alt="{escape(name)}" height="40" '
                'style="display:block;height:40px;max-height:40px;width:auto;border:0;">')
    if name:
        return f'<span style="font-size:20px;font-weight:700;color:#111827;">{escape(name)}</span>'
    return ""


def _is_https_url(url: str | None) -> bool:
    parts = _split(url)
    return parts is not None and parts.scheme.lower() == "https" and bool(parts.hostname)


def _footer_html(branding: Branding, accent: str) -> str:
    pieces = []
    if branding.company_name.strip():
        pieces.append(escape(_one_line(branding.company_name)))
    support = _address(branding.support_email)
    if support:
        pieces.append(f"Questions? Write to {_anchor('mailto:' + support, escape(support), accent)}")
    if not pieces:
        return ""
    return (f'<tr><td style="padding:16px 32px 24px 32px;{_FONT}font-size:13px;line-height:1.5;'
            f'color:#6b7280;border-top:1px solid #e5e7eb;">{"<br>".join(pieces)}</td></tr>\n')


def _body_html(markdown: str, accent: str) -> str:
    """Paragraphs on blank lines, <br> on single newlines, and light inline Markdown."""
    paragraphs = re.split(r"\n[ \t]*(?:\n[ \t]*)+", markdown.replace("\r\n", "\n").strip())  # 1+ blank lines
    return "\n".join(
        '<p style="margin:0 0 16px 0;">' + "<br>\n".join(_inline(line, accent) for line in paragraph.split("\n")) + "</p>"
        for paragraph in paragraphs if paragraph.strip()
    )


def _inline(text: str, accent: str, *, links: bool = True) -> str:
    pattern = _INLINE if links else _EMPHASIS_ONLY
    out: list[str] = []
    position = 0
    while (match := pattern.search(text, position)) is not None:
        out.append(escape(text[position:match.start()]))
        position = match.end()
        found = match.groupdict()  # the emphasis-only pattern has no link groups
        if found.get("bold") is not None:
            out.append(f"<strong>{_inline(found['bold'], accent, links=links)}</strong>")
        elif found.get("italic") is not None:
            out.append(f"<em>{_inline(found['italic'], accent, links=links)}</em>")
        elif found.get("label") is not None:
            href = found["href"]
            if _is_link(href):
                out.append(_anchor(href, _inline(found["label"], accent, links=False), accent))
            else:  # javascript:, data:, a relative path…: shown as written
                out.append(escape(match.group()))
        else:
            url = found["url"].rstrip(_TRAILING)
            position = match.start() + len(url)  # the trailing punctuation is text again
            out.append(_anchor(url, escape(url), accent) if _is_link(url) else escape(url))
    out.append(escape(text[position:]))
    return "".join(out)


def _is_link(url: str) -> bool:
    parts = _split(url)
    if parts is None:
        return False
    scheme = parts.scheme.lower()
    if scheme == "mailto":
        return "@" in parts.path
    return scheme in _LINK_SCHEMES and bool(parts.netloc)


def _split(url: str | None) -> SplitResult | None:
    if not url or re.search(r"[\s\x00-\x1f\x7f]", url):
        return None
    try:
        return urlsplit(url)
    except ValueError:  # "https://[" and other broken hosts: text, not a link
        return None


def _anchor(href: str, label_html: str, accent: str) -> str:
    return f'<a href="{escape(href)}" style="color:{accent};text-decoration:underline;">{label_html}</a>'
