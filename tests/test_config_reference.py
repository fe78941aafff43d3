"""docs/config-reference.md is generated from the packaged JSON Schemas and kept current."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_generated_reference_is_up_to_date() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_config_reference.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout


def test_every_schema_key_is_in_the_reference() -> None:
    text = (ROOT / "docs" / "config-reference.md").read_text(encoding="utf-8")
    for key in (
        "`promotionPaths[].componentPathExtraDepth`",
        "`promotionPaths[].conditions.prHasLabels`",
        "`promotionPaths[].promotionPrs[].targetPaths`",
        "`promtionPRlables`",
        "`whProxtSkipTLSVerifyUpstream`",
        "`argocd.createTempAppObjectFromNewApps`",
        "`promotionTargetBlockList`",
        "`disableArgoCDDiff`",
    ):
        assert key in text, key
