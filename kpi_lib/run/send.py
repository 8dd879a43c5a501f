"""Delivery by e-mail: each recipient of ``params/recipients.csv`` gets their PDF of a month.

:func:`plan_sends` checks the parameters and the recipients file, finds each recipient's
PDF under ``reports/<month>/`` (a store's ``S001[.en].pdf``, a region manager's
``region-华东[.en].pdf``) and what the send log says was sent already; :func:`send_all`
sends what is left over one SMTP connection (settings from ``KPI_SMTP_*``,
:func:`smtp_settings`). A refused address is reported and the others still go. Each
delivery and each failure is one line of ``reports/<month>/send-log.jsonl`` (appended and
fsynced under a lock); a (recipient, file name, file sha256) logged as sent is not sent
again unless forced. The password is never printed or logged.
"""

from __future__ import annotations

import hashlib
import json
import os
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path

from .. import paths
from ..errors import KpiError, ParameterError
from ..i18n import data_value, month_label, text
from ..ingest.inputs import check_data_dir, check_store_format, check_store_known
from ..ingest.warehouse import open_warehouse
from ..locks import exclusive
from ..metrics.periods import check_period_format
from .params import inside
from .recipients import EMAIL_RE, RECIPIENTS, Recipient, read_recipients

LOG_NAME = "send-log.jsonl"
LOCK_NAME = ".send.lock"
TLS_MODES = {"starttls": 587, "ssl": 465, "none": 25}
TIMEOUT_S = 30
ENV_HELP = ("KPI_SMTP_HOST, KPI_SMTP_PORT, KPI_SMTP_USER, KPI_SMTP_PASSWORD, "
            "KPI_SMTP_TLS=starttls|ssl|none, KPI_SMTP_FROM")


class SmtpError(KpiError):
    """The SMTP server cannot be reached or refuses the login: nothing was sent."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send (``KPI_SMTP_*``); the password stays out of ``repr``."""

    host: str
    port: int
    tls: str
    sender: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    def describe(self) -> str:
        """``host:port (tls, user u)``: what a log line may say about the server."""
        who = f", user {self.user}" if self.user else ""
        return f"{self.host}:{self.port} ({self.tls}{who})"


def smtp_settings(env: Mapping[str, str] | None = None) -> SmtpSettings:
    """The SMTP settings from ``env`` (default ``os.environ``); ParameterError when unusable."""
    env = os.environ if env is None else env

    def get(name: str) -> str:
        return (env.get(name) or "").strip()

    host = get("KPI_SMTP_HOST")
    if not host:
        raise ParameterError(f"KPI_SMTP_HOST is not set: the SMTP server to send through "
                             f"(settings: {ENV_HELP})")
    tls = get("KPI_SMTP_TLS").lower() or "starttls"
    if tls not in TLS_MODES:
        raise ParameterError(f"KPI_SMTP_TLS={tls!r}: use starttls, ssl or none")
    port_text = get("KPI_SMTP_PORT") or str(TLS_MODES[tls])
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ParameterError(f"KPI_SMTP_PORT={port_text!r} is not a port number")
    user, password = get("KPI_SMTP_USER") or None, env.get("KPI_SMTP_PASSWORD") or None
    if bool(user) != bool(password):
        raise ParameterError("set both KPI_SMTP_USER and KPI_SMTP_PASSWORD, or neither")
    sender = get("KPI_SMTP_FROM") or (user if user and EMAIL_RE.fullmatch(user) else "")
    if not EMAIL_RE.fullmatch(sender):
        raise ParameterError(f"KPI_SMTP_FROM={sender!r} is not an e-mail address (the sender; "
                             "defaults to KPI_SMTP_USER when that is an address)")
    return SmtpSettings(host, int(port_text), tls, sender, user, password)


@dataclass
class Delivery:
    """One recipient and their PDF; ``status``: send, sent before, missing, delivered,
    failed."""

    recipient: Recipient
    label: str  # the store's name or the region, as the data writes it
    file: Path
    status: str
    note: str = ""
    sha256: str | None = None


@dataclass
class SendPlan:
    """What a run would send for ``month`` (:func:`plan_sends`)."""

    month: str
    month_dir: Path
    deliveries: list[Delivery]


def pdf_name(recipient: Recipient) -> str:
    """The PDF a recipient gets: ``S001.pdf``, ``S001.en.pdf``, ``region-华东[.en].pdf``."""
    stem = recipient.id if recipient.kind == "store" else f"region-{recipient.id}"
    return f"{paths.report_stem(stem, recipient.lang)}.pdf"


def _missing_note(r: Recipient, month: str) -> str:
    lang = "" if r.lang == paths.DEFAULT_LANG else f" LANG={r.lang}"
    if r.kind == "store":
        return f"no report rendered yet (make report STORE={r.id} MONTH={month}{lang})"
    return f"no region report rendered yet (make region REGION={r.id} MONTH={month}{lang})"


def sha256_of(data: bytes) -> str:
    """The hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def read_log(month_dir: Path) -> dict[tuple[str, str, str], str]:
    """(email, file, sha256) → when, for every delivery the month's send log records.

    A torn last line (a run killed while appending) is skipped."""
    sent: dict[tuple[str, str, str], str] = {}
    try:
        lines = (Path(month_dir) / LOG_NAME).read_text("utf-8").splitlines()
    except FileNotFoundError:
        return sent
    for line in lines:
        try:
            entry = json.loads(line)
            if entry.get("status") == "sent":
                key = (str(entry["email"]).lower(), str(entry["file"]), str(entry["sha256"]))
                sent[key] = str(entry.get("time", ""))
        except (ValueError, KeyError, AttributeError):
            continue
    return sent


def append_log(month_dir: Path, entry: dict) -> None:
    """Append one JSON line to the month's send log, flushed to disk (call under the lock)."""
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    with open(Path(month_dir) / LOG_NAME, "a", encoding="utf-8") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


def _mark_sent_before(deliveries: list[Delivery], month_dir: Path) -> None:
    """Turn a delivery the log records as sent (same address, file and bytes) into
    ``sent before``."""
    sent = read_log(month_dir)
    for d in deliveries:
        when = sent.get((d.recipient.email.lower(), d.file.name, d.sha256 or ""))
        if d.status == "send" and when is not None:
            d.status, d.note = "sent before", f"sent {when[:16]} (--force sends it again)"


def plan_sends(month: str, data: Path = paths.DEMO_DATA, out_dir: Path = paths.REPORTS,
               recipients: Path = RECIPIENTS, *, store: str | None = None,
               region: str | None = None, force: bool = False) -> SendPlan:
    """Check the parameters and the recipients file; say what each recipient would get.

    ``month`` is a month or a period (the folder ``out_dir/<month>``); ``store``/``region``
    keep that store's recipients, or the region's manager and its stores' recipients.
    """
    check_period_format(month)
    if store and region:
        raise ParameterError("give a store or a region, not both")
    if store:
        check_store_format(store)
    with open_warehouse(check_data_dir(data)) as wh:
        rows = wh.con.execute("SELECT store_id, store_name, region FROM stores "
                              "ORDER BY store_id").fetchall()
    stores = {str(s): (str(n or s), str(r or "")) for s, n, r in rows}
    regions = sorted({r for _, r in stores.values() if r})
    if store:
        check_store_known(store, list(stores))
    if region and region not in regions:
        raise ParameterError(f"region {region!r} is not in the data; known regions: "
                             f"{', '.join(regions) or 'none'}")
    month_dir = inside(out_dir, month)
    if not month_dir.is_dir():
        raise ParameterError(f"no reports for {month} in {out_dir} "
                             f"(make reports MONTH={month} renders them)")
    chosen = read_recipients(recipients, set(stores), set(regions))
    if store:
        chosen = [r for r in chosen if r.kind == "store" and r.id == store]
    if region:
        chosen = [r for r in chosen if (r.kind == "region" and r.id == region)
                  or (r.kind == "store" and stores[r.id][1] == region)]
    if not chosen:
        raise ParameterError(f"{recipients} names no recipient for "
                             f"{'store ' + store if store else 'region ' + str(region)}")
    deliveries = []
    for r in chosen:
        label = stores[r.id][0] if r.kind == "store" else r.id
        file = inside(month_dir, pdf_name(r))  # a region named like a path stays inside
        if not file.is_file():
            deliveries.append(Delivery(r, label, file, "missing", _missing_note(r, month)))
            continue
        digest = sha256_of(file.read_bytes())
        deliveries.append(Delivery(r, label, file, "send", sha256=digest))
    if not force:
        _mark_sent_before(deliveries, month_dir)
    return SendPlan(month, month_dir, deliveries)


def build_message(d: Delivery, month: str, sender: str, pdf: bytes) -> EmailMessage:
    """The e-mail of ``d``: subject and body in the recipient's language, the PDF attached
    (``S001-上海浦东4S店-2026-10.pdf``, ``region-华东-2026-10.pdf``; UTF-8 names)."""
    r = d.recipient
    period = month_label(month, r.lang)
    fields = {"store": r.id, "store_name": d.label, "period": period,
              "region": data_value(r.id, r.lang) if r.kind == "region" else ""}
    greeting = (text("send_greeting", r.lang, name=r.name) if r.name
                else text("send_greeting_anon", r.lang))
    msg = EmailMessage()
    msg["Subject"] = text(f"send_subject_{r.kind}", r.lang, **fields)
    msg["From"] = sender
    msg["To"] = formataddr((r.name, r.email)) if r.name else r.email
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[1])
    msg.set_content(f"{greeting}\n\n{text(f'send_body_{r.kind}', r.lang, **fields)}\n\n"
                    f"{text('send_footer', r.lang)}\n")
    name = (f"{r.id}-{d.label}" if r.kind == "store" else f"region-{r.id}") + f"-{month}.pdf"
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=name)
    return msg


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    """An open, logged-in SMTP connection; :class:`SmtpError` naming host and reason."""
    where = settings.describe()
    try:
        if settings.tls == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT_S,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_S)
            if settings.tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if settings.user:
            smtp.login(settings.user, settings.password or "")
    except smtplib.SMTPAuthenticationError as exc:
        raise SmtpError(f"the SMTP server {where} refused the login: "
                        f"{exc.smtp_code} {_said(exc.smtp_error)}") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise SmtpError(f"cannot send through the SMTP server {where}: "
                        f"{exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}"
                        ) from None
    return smtp


def _said(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _failure(exc: Exception) -> str:
    """What went wrong with one message, in one line."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()))
        return f"address refused: {code} {_said(reply)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_said(exc.smtp_error)}"
    return " ".join(str(exc).split()) or type(exc).__name__


def send_all(plan: SendPlan, settings: SmtpSettings, *, force: bool = False,
             on_result: Callable[[Delivery], None] | None = None) -> list[Delivery]:
    """Send every ``send`` delivery of ``plan`` over one connection; return the deliveries
    with ``delivered`` or ``failed`` (and the reason in ``note``).

    Holds the month's send lock meanwhile (a second run at the same time is refused) and
    re-reads the log under it. A dropped connection fails its message and is reopened
    for the next one.
    """
    with exclusive(plan.month_dir / LOCK_NAME, blocking=False) as held:
        if not held:
            raise ParameterError(f"another send for {plan.month} is running; try again later")
        if not force:
            _mark_sent_before(plan.deliveries, plan.month_dir)
        todo = [d for d in plan.deliveries if d.status == "send"]
        smtp = _connect(settings) if todo else None
        try:
            for d in todo:
                smtp = smtp or _connect(settings)
                smtp = _send_one(smtp, d, plan, settings)
                if on_result:
                    on_result(d)
        finally:
            if smtp is not None:
                try:
                    smtp.quit()
                except (OSError, smtplib.SMTPException):
                    smtp.close()
    return plan.deliveries


def _send_one(smtp: smtplib.SMTP, d: Delivery, plan: SendPlan, settings: SmtpSettings
              ) -> smtplib.SMTP | None:
    """Send ``d``, log the outcome and update it; the connection to go on with (``None``
    when it dropped)."""
    pdf = d.file.read_bytes()
    d.sha256 = sha256_of(pdf)
    msg = build_message(d, plan.month, settings.sender, pdf)
    entry = {"time": datetime.now(UTC).isoformat(timespec="seconds"),
             "email": d.recipient.email, "kind": d.recipient.kind, "id": d.recipient.id,
             "file": d.file.name, "sha256": d.sha256, "message_id": msg["Message-ID"]}
    try:
        smtp.send_message(msg, from_addr=settings.sender, to_addrs=[d.recipient.email])
    except (OSError, smtplib.SMTPException) as exc:
        d.status, d.note = "failed", _failure(exc)
        append_log(plan.month_dir, {**entry, "status": "failed", "reason": d.note})
        # SMTPException is an OSError: only a plain OSError or a disconnect ends the link
        alive = (isinstance(exc, smtplib.SMTPException)
                 and not isinstance(exc, smtplib.SMTPServerDisconnected))
        if not alive:
            smtp.close()
        return smtp if alive else None
    d.status, d.note = "delivered", ""
    append_log(plan.month_dir, {**entry, "status": "sent"})
    return smtp


_STATUS_WORDS = {"send": "would send", "sent before": "skipped", "missing": "not sent",
                 "delivered": "sent", "failed": "FAILED"}


def plan_table(plan: SendPlan, title: str):
    """The deliveries as a rich table: who gets which file, and what happens to it."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for col in ("kind", "id", "name", "email", "lang", "file", "status", "note"):
        table.add_column(col, overflow="fold")
    for d in plan.deliveries:
        r = d.recipient
        table.add_row(r.kind, r.id, r.name, r.email, r.lang, d.file.name,
                      _STATUS_WORDS.get(d.status, d.status), d.note)
    return table
