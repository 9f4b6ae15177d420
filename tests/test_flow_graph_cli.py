"""``flowfsm snapshot`` writes a flow's graph; ``flowfsm check --against`` compares a later
definition with it: what the sessions stored before a deploy would meet after it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowfsm.tools.cli import main

BEFORE = """
import dataclasses
from flowfsm import Button, Flow, Screen, Context


@dataclasses.dataclass
class Cart:
    items: list[str] = dataclasses.field(default_factory=list)
    total: int = 0


shop = Flow("shop", data=Cart)


@shop.state(initial=True, tracked=True)
def catalog(ctx: Context) -> Screen:
    return Screen("catalog", items=[Button("Cart", trigger="open"), Button("Done", trigger="done")])


@shop.state(returnable=True)
def cart(ctx: Context) -> Screen:
    return Screen("cart", items=[Button("Pay", trigger="pay")])


@shop.state(final=True)
def paid(ctx: Context) -> Screen:
    return Screen("paid")


@shop.state(final=True)
def done(ctx: Context) -> Screen:
    return Screen("bye")


shop.transition("open", "catalog", "cart")
shop.transition("pay", "cart", "paid")
shop.transition("done", "catalog", "done")
"""


def write(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / f"{name}.py").write_text(text)


@pytest.fixture
def modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    write(tmp_path, "shop_v1", BEFORE)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_snapshot_writes_the_graph_with_version_and_data_schema(
    modules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    graph = modules / "flow-graph.json"
    code, _, err = run(capsys, "snapshot", "shop_v1:shop", "-o", str(graph))
    assert code == 0 and "wrote" in err
    shop = json.loads(graph.read_text())["flows"]["shop"]
    assert [s["name"] for s in shop["states"]] == ["catalog", "cart", "paid", "done"]
    assert {"trigger": "open", "source": ["catalog"], "dest": "cart"}.items() <= shop["transitions"][
        0
    ].items()
    assert shop["data"]["fields"] == {"items": "list[str]", "total": "int"}
    assert shop["data"]["schema"]["$defs"]["Cart"]["properties"]["total"] == {"type": "integer", "default": 0}
    from shop_v1 import shop as flow

    assert shop["version"] == flow.version


def test_an_unchanged_flow_has_no_finding(modules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    graph = modules / "flow-graph.json"
    run(capsys, "snapshot", "shop_v1:shop", "-o", str(graph))
    code, out, _ = run(capsys, "check", "--against", str(graph), "shop_v1:shop")
    assert (code, out) == (0, [])


def test_a_renamed_state_and_a_retyped_field_are_listed_until_migrated(
    modules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    graph = modules / "flow-graph.json"
    run(capsys, "snapshot", "shop_v1:shop", "-o", str(graph))
    changed = (
        BEFORE.replace("def cart(", "def basket(")
        .replace('"cart", "paid"', '"basket", "paid"')
        .replace('"catalog", "cart"', '"catalog", "basket"')
        .replace("total: int = 0", "total: float = 0.0")
        .replace("def paid(", "def settled(")
        .replace('"basket", "paid"', '"basket", "settled"')
    )
    write(modules, "shop_v2", changed)
    code, out, err = run(capsys, "check", "--against", str(graph), "shop_v2:shop")
    assert code == 1
    assert out == [
        "shop:cart: state removed (renamed to 'basket'?) while live sessions may sit in it: they would get "
        "the expired reply; add migrations={'cart': 'basket'} to carry them on",
        "shop:*: data field 'total' changed type: int -> float; stored sessions whose value does not decode "
        "as the new type get the expired reply",
    ]  # 'paid' was final: no session sits there, so renaming it is no finding
    assert "version" in err
    write(
        modules,
        "shop_v3",
        changed.replace('Flow("shop", data=Cart)', 'Flow("shop", data=Cart, migrations={"cart": "basket"})'),
    )
    code, out, _ = run(capsys, "check", "--against", str(graph), "shop_v3:shop")
    assert code == 1 and len(out) == 1 and "data field 'total'" in out[0]


def test_a_graph_file_that_is_not_one_is_a_usage_error(
    modules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = modules / "bad.json"
    bad.write_text("{}")
    code, _, err = run(capsys, "check", "--against", str(bad), "shop_v1:shop")
    assert code == 2 and err.startswith("flowfsm: error: flow-graph file") and "not format 1" in err
