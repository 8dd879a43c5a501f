"""``send``: e-mail each recipient their PDF, end to end against a real SMTP server.

An aiosmtpd server on a free local port receives what ``python -m kpi_lib send`` sends;
the reports are small fake PDFs in a temporary reports folder, the stores those of the
tiny fixture (S1 一号店 in 华东, S2 二号店 in 华南).
"""

from __future__ import annotations

import json
import shutil
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from kpi_lib.cli import app
from kpi_lib.errors import ParameterError
from kpi_lib.i18n import month_label, text
from kpi_lib.run.recipients import RecipientsError, read_recipients
from kpi_lib.run.send import LOG_NAME, plan_sends, smtp_settings
from tests.conftest import TINY

MONTH = "2026-10"
REFUSED = "refused@example.com"
RECIPIENTS = """kind,id,name,email,lang
store,S1,王经理,s1@example.com,zh
store,S1,Wang Li,s1.en@example.com,en
store,S2,李经理,refused@example.com,zh
region,华东,华东区域经理,east@example.com,zh
region,华南,South manager,south@example.com,en
"""
PDFS = {"S1.pdf": b"%PDF-1.4 S1 zh\n", "S1.en.pdf": b"%PDF-1.4 S1 en\n",
        "S2.pdf": b"%PDF-1.4 S2 zh\n\x00\xff", "region-华东.pdf": b"%PDF-1.4 east\n"}


class Inbox:
    """aiosmtpd handler: keeps every message; refuses the addresses in ``refuse``."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"

    def by_rcpt(self) -> dict[str, EmailMessage]:
        return {rcpt[0]: msg for rcpt, msg in self.messages}


@pytest.fixture(scope="module")
def smtp():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("send") / "data"
    shutil.copytree(TINY, folder, ignore=shutil.ignore_patterns("README.md", ".warehouse*"))
    return folder


@pytest.fixture()
def setup(tmp_path: Path, data: Path, smtp):
    """Reports folder with the fake PDFs, the recipients file, a clean inbox, the env."""
    inbox, port = smtp
    inbox.messages.clear()
    inbox.refuse = set()
    month_dir = tmp_path / "reports" / MONTH
    month_dir.mkdir(parents=True)
    for name, body in PDFS.items():
        (month_dir / name).write_bytes(body)
    recipients = tmp_path / "recipients.csv"
    recipients.write_text(RECIPIENTS, encoding="utf-8")
    env = {"KPI_SMTP_HOST": "127.0.0.1", "KPI_SMTP_PORT": str(port), "KPI_SMTP_TLS": "none",
           "KPI_SMTP_FROM": "kpi@example.com", "KPI_SMTP_USER": None,
           "KPI_SMTP_PASSWORD": None}

    def run(*args: str, **more):
        argv = ["send", "--month", MONTH, "--data", str(data), "--out-dir",
                str(tmp_path / "reports"), "--recipients", str(recipients), *args]
        return CliRunner().invoke(app, argv, env={**env, **more})

    return inbox, month_dir, recipients, run


def _log(month_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (month_dir / LOG_NAME).read_text("utf-8").splitlines()]


def _attachment(msg: EmailMessage) -> tuple[str, bytes]:
    (part,) = list(msg.iter_attachments())
    return part.get_filename(), part.get_content()


def test_dry_run_lists_who_gets_what_and_sends_nothing(setup, data):
    inbox, month_dir, recipients, run = setup
    result = run()
    assert result.exit_code == 0, result.output
    assert inbox.messages == []
    assert not (month_dir / LOG_NAME).exists()
    for email, file in [("s1@example.com", "S1.pdf"), ("s1.en@example.com", "S1.en.pdf"),
                        ("east@example.com", "region-华东.pdf")]:
        assert email in result.stdout and file in result.stdout
    assert "no region report rendered yet (make region REGION=华南 MONTH=2026-10 LANG=en)" \
        in " ".join(result.stdout.replace("│", " ").split())
    plan = plan_sends(MONTH, data, month_dir.parent, recipients)
    pairs = {(d.recipient.email, d.file.name, d.status) for d in plan.deliveries}
    assert pairs == {("s1@example.com", "S1.pdf", "send"),
                     ("s1.en@example.com", "S1.en.pdf", "send"),
                     (REFUSED, "S2.pdf", "send"),
                     ("east@example.com", "region-华东.pdf", "send"),
                     ("south@example.com", "region-华南.en.pdf", "missing")}


def test_send_delivers_each_pdf_a_refused_address_is_reported_and_the_rest_go(setup):
    inbox, month_dir, _, run = setup
    inbox.refuse = {REFUSED}
    result = run("--send")
    assert result.exit_code == 1, result.output
    assert f"failed {REFUSED} (S2.pdf): address refused: 550" in result.stderr
    got = inbox.by_rcpt()
    assert set(got) == {"s1@example.com", "s1.en@example.com", "east@example.com"}
    assert len(inbox.messages) == 3
    zh, en, east = got["s1@example.com"], got["s1.en@example.com"], got["east@example.com"]
    assert zh["Subject"] == text("send_subject_store", "zh", store="S1", store_name="一号店",
                                 period=month_label(MONTH, "zh"))
    assert zh["Subject"] == "一号店（S1）销售KPI报告 · 2026年10月"
    assert en["Subject"] == "Sales KPI report October 2026: 一号店 (S1)"
    assert east["Subject"] == "华东区域销售KPI报告 · 2026年10月"
    assert zh["To"].addresses[0].display_name == "王经理"
    assert zh["From"] == "kpi@example.com"
    assert "王经理，您好：" in zh.get_body(("plain",)).get_content()
    assert "Dear Wang Li," in en.get_body(("plain",)).get_content()
    assert _attachment(zh) == ("S1-一号店-2026-10.pdf", PDFS["S1.pdf"])
    assert _attachment(en) == ("S1-一号店-2026-10.pdf", PDFS["S1.en.pdf"])
    assert _attachment(east) == ("region-华东-2026-10.pdf", PDFS["region-华东.pdf"])
    assert east.get_content_type() == "multipart/mixed"
    log = _log(month_dir)
    assert sorted((e["email"], e["file"], e["status"]) for e in log) == [
        ("east@example.com", "region-华东.pdf", "sent"), (REFUSED, "S2.pdf", "failed"),
        ("s1.en@example.com", "S1.en.pdf", "sent"), ("s1@example.com", "S1.pdf", "sent")]


def test_a_second_run_skips_what_was_sent_force_sends_again(setup):
    inbox, month_dir, _, run = setup
    inbox.refuse = {REFUSED}
    assert run("--send").exit_code == 1
    inbox.messages.clear()
    inbox.refuse = set()
    again = run("--send")  # only the address refused last time
    assert again.exit_code == 0, again.output
    assert [rcpt for rcpt, _ in inbox.messages] == [[REFUSED]]
    inbox.messages.clear()
    dry = run()
    assert dry.exit_code == 0 and dry.stdout.count("skipped") == 4
    assert run("--send").exit_code == 0
    assert inbox.messages == []
    (month_dir / "S1.pdf").write_bytes(b"%PDF-1.4 S1 zh, rendered again\n")
    assert run("--send").exit_code == 0  # another file is another delivery
    assert [rcpt for rcpt, _ in inbox.messages] == [["s1@example.com"]]
    inbox.messages.clear()
    assert run("--send", "--force").exit_code == 0
    assert len(inbox.messages) == 4
    assert sum(e["status"] == "sent" for e in _log(month_dir)) == 3 + 1 + 1 + 4


def test_store_and_region_keep_their_recipients(setup, data):
    _, month_dir, recipients, run = setup
    reports = month_dir.parent
    east = plan_sends(MONTH, data, reports, recipients, region="华东")
    assert [d.recipient.email for d in east.deliveries] == [
        "s1@example.com", "s1.en@example.com", "east@example.com"]
    s2 = plan_sends(MONTH, data, reports, recipients, store="S2")
    assert [d.recipient.email for d in s2.deliveries] == [REFUSED]
    unknown = run("--region", "火星")
    assert unknown.exit_code == 2
    assert "region '火星' is not in the data; known regions: 华东, 华南" in unknown.stderr
    assert run("--store", "S9").exit_code == 2
    with pytest.raises(ParameterError, match="no reports for 2026-Q3"):
        plan_sends("2026-Q3", data, reports, recipients)
    (reports / "2026-Q3").mkdir()
    (reports / "2026-Q3" / "S1.pdf").write_bytes(b"%PDF q3")
    q3 = plan_sends("2026-Q3", data, reports, recipients, store="S1")
    assert [d.status for d in q3.deliveries] == ["send", "missing"]


def test_bad_recipient_rows_are_one_line_each_exit_2(setup, data, tmp_path):
    inbox, _, recipients, run = setup
    recipients.write_text(RECIPIENTS + "shop,S1,x,x@example.com,zh\n"
                          "store,S9,y,y@example.com,zh\nregion,华西,z,z@example.com,zh\n"
                          "store,S2,w,not-an-email,zh\nstore,S2,v,v@example.com,fr\n"
                          "store,S1,王经理,S1@example.com,zh\n"
                          'store,S2,"a\nBcc: x@evil.example",u@example.com,zh\n',
                          encoding="utf-8")
    result = run("--send")
    assert result.exit_code == 2
    assert inbox.messages == []
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"error: {recipients}, row 6, column kind: unknown kind 'shop'")
    assert f"{recipients}, row 7, column id: store 'S9' is not in the data" in lines[1]
    assert f"{recipients}, row 8, column id: region '华西' is not in the data" in lines[2]
    assert lines[3] == f"{recipients}, row 9, column email: 'not-an-email' is not an e-mail address"
    assert lines[4] == f"{recipients}, row 10, column lang: language 'fr': use zh or en"
    assert lines[5] == f"{recipients}, row 11, column email: same recipient as row 1"
    assert lines[6] == (f"{recipients}, row 12, column name: a line break or control "
                        "character in the name")
    assert len(lines) == 7
    with pytest.raises(RecipientsError):
        read_recipients(recipients, {"S1", "S2"}, {"华东", "华南"})
    recipients.write_text("kind,id,name\nstore,S1,x\n", encoding="utf-8")
    missing = run()
    assert missing.exit_code == 2 and "column email missing" in missing.stderr


def test_send_without_smtp_host_is_one_line_exit_2(setup):
    inbox, month_dir, _, run = setup
    result = run("--send", KPI_SMTP_HOST=None)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: KPI_SMTP_HOST is not set")
    assert len(result.stderr.strip().splitlines()) == 1
    assert inbox.messages == [] and not (month_dir / LOG_NAME).exists()


def test_smtp_settings_never_show_the_password():
    s = smtp_settings({"KPI_SMTP_HOST": "mail.example.com", "KPI_SMTP_USER": "kpi@example.com",
                       "KPI_SMTP_PASSWORD": "s3cret-pw"})
    assert (s.port, s.tls, s.sender) == (587, "starttls", "kpi@example.com")
    assert "s3cret-pw" not in repr(s) + s.describe()
    with pytest.raises(ParameterError, match="KPI_SMTP_TLS"):
        smtp_settings({"KPI_SMTP_HOST": "h", "KPI_SMTP_TLS": "tls", "KPI_SMTP_FROM": "a@b.cn"})
    with pytest.raises(ParameterError, match="KPI_SMTP_FROM"):
        smtp_settings({"KPI_SMTP_HOST": "h"})
