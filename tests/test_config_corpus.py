"""The packaged JSON Schemas and ``telefonistka validate`` agree on which files are valid.

Editors (the YAML language server) and ``check-jsonschema`` judge a telefonistka.yaml by
the packaged schema alone; ``telefonistka validate`` by the same schema plus what no JSON
Schema can say. Both read YAML 1.2 through ruamel.yaml, so on the corpus under
``fixtures/config_corpus/<kind>/``:

- ``valid/``: both accept;
- ``invalid/``: both refuse;
- ``telefonistka-only/``: only telefonistka refuses (RE2 regexes, capture groups named
  in fan-out replacements), each file one such case, as docs/configuration.md lists.

check-jsonschema is a real install (a test dependency), run once per kind on every file.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from telefonistka.cli import main

CORPUS = Path(__file__).resolve().parent / "fixtures" / "config_corpus"
SCHEMAS = Path(__file__).resolve().parent.parent / "telefonistka" / "schemas"
SCHEMA_FILES = {"repo": "telefonistka.schema.json", "component": "component.schema.json"}
VERDICTS = ("valid", "invalid", "telefonistka-only")


def corpus(kind: str) -> dict[str, list[Path]]:
    return {verdict: sorted((CORPUS / kind / verdict).glob("*.yaml")) for verdict in VERDICTS}


def schema_refuses(kind: str, files: list[Path]) -> set[str]:
    """The files check-jsonschema refuses: schema errors, YAML it cannot load.

    One run per file, because one file it cannot even build (``!!int abc``) ends a whole
    run with a traceback; any non-zero exit is a refusal.
    """
    beside = Path(sys.executable).parent / "check-jsonschema"  # this environment's install
    tool = str(beside) if beside.exists() else shutil.which("check-jsonschema")
    assert tool is not None, "check-jsonschema is a test dependency: pip install -e .[test]"
    command = [tool, "--schemafile", str(SCHEMAS / SCHEMA_FILES[kind])]

    def refused(file: Path) -> bool:
        done = subprocess.run([*command, str(file)], capture_output=True, check=False)
        return done.returncode != 0

    with ThreadPoolExecutor(max_workers=4) as pool:
        verdicts = list(pool.map(refused, files))
    return {file.name for file, no in zip(files, verdicts, strict=True) if no}


def telefonistka_refuses(kind: str, file: Path, capsys: pytest.CaptureFixture[str]) -> bool:
    code = main(["validate", "--kind", kind, str(file)])
    capsys.readouterr()
    assert code in (0, 1), file
    return code == 1


@pytest.mark.parametrize("kind", ["repo", "component"])
def test_the_schema_and_telefonistka_agree_on_the_corpus(
    kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    files = corpus(kind)
    assert files["valid"]
    assert files["invalid"]
    assert files["telefonistka-only"]
    everything = [file for verdict in VERDICTS for file in files[verdict]]

    by_schema = schema_refuses(kind, everything)
    by_telefonistka = {f.name for f in everything if telefonistka_refuses(kind, f, capsys)}

    expected_schema = {f.name for f in files["invalid"]}
    expected_telefonistka = expected_schema | {f.name for f in files["telefonistka-only"]}
    assert by_schema == expected_schema
    assert by_telefonistka == expected_telefonistka
