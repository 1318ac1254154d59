"""Removing files no one may read any more: at once when their message is deleted, and by
the periodic sweep for uploads never sent (and anything a crash left behind)."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import gevent
import pytest
from sqlalchemy import update

from config import ConfigError, load_config
from extensions import db
from jobs import housekeeping
from models.clock import utcnow
from models.conversation import Attachment, Message
from services import accounts, attachments, conversations, message_edits, uploads
from tests.conftest import PASSWORD, make_app
from tests.support.messages import sent_message

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
DAY = 24 * 3600.0


@pytest.fixture
def pair(user_factory):
    return user_factory("ann"), user_factory("ben")


@pytest.fixture
def group(pair):
    return conversations.create_group(pair[0], "Pair", ["ben"])


def new_upload(user, conversation_id: int, age: float = 0.0) -> int:
    """An upload made `age` seconds ago; its id."""
    attachment = attachments.upload(user, conversation_id, io.BytesIO(PNG), "cat.png")
    if age:
        attachment.created_at = utcnow() - timedelta(seconds=age)
        db.session.commit()
    return attachment.id


def stored(attachment_id: int) -> str:
    return db.session.get(Attachment, attachment_id).stored_name


def on_disk() -> set[str]:
    return {path.name for path in uploads.folder(attachments.FILES).iterdir()}


def test_deleting_a_message_removes_its_file_at_once(app, pair, group):
    kept = sent_message(pair[0], group.id, "", attachment_id=new_upload(pair[0], group.id))
    doomed = sent_message(pair[0], group.id, "", attachment_id=new_upload(pair[0], group.id))
    kept_name, doomed_name = stored(kept.attachment_id), stored(doomed.attachment_id)
    doomed_id = doomed.attachment_id
    message_edits.delete(pair[0], doomed.id)
    assert db.session.get(Attachment, doomed_id) is None
    assert db.session.get(Message, doomed.id).attachment_id is None
    assert on_disk() == {kept_name}
    assert doomed_name not in on_disk()


def test_sweep_removes_old_unsent_uploads_and_keeps_fresh_and_sent_ones(app, pair, group):
    ann, ben = pair
    old_orphans = [new_upload(ann, group.id, age=DAY + 60), new_upload(ben, group.id, age=3 * DAY)]
    fresh = new_upload(ann, group.id, age=DAY - 60)
    old_sent = new_upload(ben, group.id, age=2 * DAY)
    sent_message(ben, group.id, "", attachment_id=old_sent)
    keep = {fresh, old_sent}
    names = {attachment_id: stored(attachment_id) for attachment_id in [*old_orphans, *keep]}

    assert attachments.sweep(DAY) == 2
    assert {a.id for a in db.session.query(Attachment)} == keep
    assert on_disk() == {names[attachment_id] for attachment_id in keep}
    assert attachments.sweep(DAY) == 0


def test_sweep_removes_files_of_messages_deleted_without_them(app, pair, group):
    """A deletion whose file removal never ran (a crash, or data from before files
    followed their message) is caught by the next sweep."""
    message = sent_message(pair[0], group.id, "", attachment_id=new_upload(pair[0], group.id))
    attachment_id, name = message.attachment_id, stored(message.attachment_id)
    db.session.execute(update(Message).where(Message.id == message.id).values(deleted_at=utcnow()))
    db.session.commit()

    assert attachments.sweep(DAY) == 1
    assert db.session.get(Attachment, attachment_id) is None
    assert db.session.get(Message, message.id).attachment_id is None
    assert name not in on_disk()


def test_sweep_spares_an_old_upload_a_send_claims_meanwhile(app, pair, group):
    attachment_id = new_upload(pair[0], group.id, age=2 * DAY)
    name = stored(attachment_id)
    sent_message(pair[0], group.id, "", attachment_id=attachment_id)
    assert attachments._remove([attachment_id]) == 0  # picked as an orphan a moment before
    assert db.session.get(Attachment, attachment_id) is not None
    assert name in on_disk()


def test_housekeeping_runs_the_upload_sweep(tmp_path):
    app = make_app(
        tmp_path,
        UPLOAD_SWEEP_INTERVAL_SECONDS=0.05,
        UPLOAD_ORPHAN_MAX_AGE_SECONDS=60.0,
        PARTY_SWEEP_INTERVAL_SECONDS=3600.0,
    )
    with app.app_context():
        ann = accounts.register("ann", PASSWORD)
        group = conversations.create_group(ann, "Solo", [])
        old = new_upload(ann, group.id, age=120)
        fresh = new_upload(ann, group.id)
        db.session.remove()
        workers = housekeeping.start(app)
        deadline = time.monotonic() + 10
        try:
            while db.session.get(Attachment, old) is not None and time.monotonic() < deadline:
                db.session.remove()
                gevent.sleep(0.05)
        finally:
            gevent.killall(workers)
        assert db.session.get(Attachment, old) is None
        assert db.session.get(Attachment, fresh) is not None
        db.engine.dispose()


def test_the_orphan_age_and_sweep_interval_are_settings(tmp_path):
    base = {"INSTANCE_PATH": str(tmp_path)}
    defaults = load_config(base, environ={})
    assert defaults["UPLOAD_ORPHAN_MAX_AGE_SECONDS"] == DAY
    assert defaults["UPLOAD_SWEEP_INTERVAL_SECONDS"] == 600
    env = {"UPLOAD_ORPHAN_MAX_AGE_SECONDS": "3600", "UPLOAD_SWEEP_INTERVAL_SECONDS": "60"}
    settings = load_config(base, environ=env)
    assert settings["UPLOAD_ORPHAN_MAX_AGE_SECONDS"] == 3600
    assert settings["UPLOAD_SWEEP_INTERVAL_SECONDS"] == 60
    with pytest.raises(ConfigError, match="must be positive"):
        load_config(base, environ={"UPLOAD_ORPHAN_MAX_AGE_SECONDS": "0"})
