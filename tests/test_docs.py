"""docs/settings.md documents every setting (and is generated, so it cannot drift), the
README every CLI command, and nothing loads at import."""

import importlib.util
import subprocess
import sys

from rag.cli import main
from rag.config import Settings
from tests.support import ROOT

README = (ROOT / "README.md").read_text("utf-8")
SETTINGS_DOC = (ROOT / "docs" / "settings.md").read_text("utf-8")


def test_every_setting_is_documented():
    for name in Settings.model_fields:
        assert f"`RAG_{name.upper()}`" in SETTINGS_DOC, name


def test_settings_doc_is_generated_from_the_current_field_descriptions():
    spec = importlib.util.spec_from_file_location("gen", ROOT / "scripts" / "gen_settings_doc.py")
    assert spec and spec.loader
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert SETTINGS_DOC == generator.render(), "run: python scripts/gen_settings_doc.py"
    for name, field in Settings.model_fields.items():
        assert field.description, f"RAG_{name.upper()} has no description"


def test_every_command_is_documented():
    for name in main.commands:
        assert f"`rag {name}" in README, name


def test_readme_opens_with_the_two_commands():
    head = README[:800]
    assert "make run" in head and "make test" in head


def test_importing_the_package_loads_no_model_and_reads_no_environment():
    code = (
        "import os, sys; os.environ['RAG_PORT'] = 'not a number'; "
        "import rag, rag.cli, rag.api.app, rag.services; "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers', 'onnxruntime') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
