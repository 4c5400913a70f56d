"""The wheel the Docker image installs holds the whole app: every module, template, stylesheet,
translation and migration. An editable install in a checkout would hide a missing one."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_holds_every_module_template_translation_and_migration(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("eigen_dossier-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "dossier").rglob("*")
        if path.suffix in {".py", ".css", ".mo", ".mako"} and "__pycache__" not in path.parts
    }
    expected |= {
        f"dossier/templates/{path.relative_to(ROOT / 'templates')}"
        for path in (ROOT / "templates").rglob("*.html")
    }
    assert "dossier/translations/nl/LC_MESSAGES/messages.mo" in expected
    assert expected - names == set()
