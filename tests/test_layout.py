"""Tests mirror the package: every module of qualcode/ has its test module.

The test module of ``qualcode/a/b.py`` is ``tests/a/test_b.py``; the few modules tested under
another name (a command module by its command, the agreement units by what they compare) are
listed in :data:`ELSEWHERE`.
"""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ELSEWHERE = {
    "agreement/units.py": "agreement/test_compare.py",
    "agreement/bootstrap.py": "agreement/test_compare.py",
    "agreement/prepare.py": "agreement/test_compare.py",
    "agreement/nvivo.py": "agreement/test_tool_modes.py",
    "agreement/unitizing.py": "agreement/test_tool_modes.py",
    "agreement/weights.py": "agreement/test_published_gwet.py",
    "agreement/reliability.py": "agreement/test_metrics.py",
    "cli/app.py": "cli/test_entry.py",
    "cli/common.py": "test_formatting.py",
    "cli/commands_agree.py": "cli/test_agree.py",
    "cli/commands_codebook.py": "cli/test_codebook_cli.py",
    "cli/commands_coding.py": "cli/test_coding_cli.py",
    "cli/commands_corpus.py": "cli/test_demo.py",
    "cli/commands_matrix.py": "cli/test_matrix_cli.py",
    "cli/commands_refi.py": "cli/test_refi_cli.py",
    "cli/commands_report.py": "cli/test_report_cli.py",
    "coders/embeddings.py": "coders/test_semantic.py",
    "coders/persist.py": "coders/test_classifier.py",
    "coders/tfidf.py": "coders/test_features.py",
    "readers/base.py": "readers/test_plain.py",
    "refi/codes.py": "refi/test_import.py",
    "refi/positions.py": "refi/test_export_offsets.py",
    "refi/reader.py": "refi/test_import.py",
    "refi/safety.py": "refi/test_hostile.py",
    "refi/writer.py": "refi/test_export.py",
    "version.py": "cli/test_entry.py",
    "web/auth.py": "web/test_team.py",
    "web/data.py": "web/test_pages.py",
    "web/server.py": "cli/test_commands_web.py",
}


def test_every_module_has_a_test_module():
    missing = []
    for path in sorted((ROOT / "qualcode").rglob("*.py")):
        rel = path.relative_to(ROOT / "qualcode").as_posix()
        if path.name in ("__init__.py", "__main__.py"):
            continue  # packages' re-exports
        default = (Path(rel).parent / f"test_{path.name}").as_posix().removeprefix("./")
        test = ELSEWHERE.get(rel, default)
        if not (ROOT / "tests" / test).exists():
            missing.append(f"{rel} -> tests/{test}")
    assert not missing, "modules without tests: " + ", ".join(missing)


def test_the_aliases_are_not_stale():
    for module, test in ELSEWHERE.items():
        assert (ROOT / "qualcode" / module).exists(), module
        assert (ROOT / "tests" / test).exists(), test
