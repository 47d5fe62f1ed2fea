"""The gate in front of Streamlit's upload route (ui/upload_gate.py): who may upload, how much.

The route itself, pushed at on a real public server: tests/e2e/test_upload_route.py.
"""

from __future__ import annotations

from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

from insight.data.policy import MB, UPLOAD_LIMITS
from ui import upload_gate


def test_only_sessions_granted_uploads_may_upload(monkeypatch):
    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    monkeypatch.setattr(upload_gate, "_granted", {"officer"})
    assert upload_gate.check("visitor", manager) == "this session may not upload files"
    assert upload_gate.check("officer", manager) is None


def test_a_session_may_hold_one_upload_and_a_lookup_file_then_is_refused(monkeypatch):
    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    monkeypatch.setattr(upload_gate, "_granted", {"officer"})
    taken = 0
    while upload_gate.check("officer", manager) is None:
        manager.add_file("officer", UploadedFileRec(str(taken), "a.csv", "text/csv", b"x" * MB))
        taken += 1
        assert taken <= 100
    assert taken == UPLOAD_LIMITS.files + 1
    assert "holds 13 files" in upload_gate.check("officer", manager)


def test_bytes_held_are_capped_too(monkeypatch):
    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    monkeypatch.setattr(upload_gate, "_granted", {"officer"})
    big = b"x" * UPLOAD_LIMITS.file_bytes
    taken = 0
    while upload_gate.check("officer", manager) is None:
        manager.add_file("officer", UploadedFileRec(str(taken), "a.csv", "text/csv", big))
        taken += 1
    # 150 MB held: a full upload (100 MB) and a lookup file (50 MB); nothing more is read.
    assert taken * UPLOAD_LIMITS.file_bytes == upload_gate.MAX_BYTES
