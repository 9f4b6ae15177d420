"""Path tests for flow 'store', written by ``flowfsm gen-tests examples.guards:store -o tests/test_store_paths.py``.

Do not edit by hand: regenerate with the same command (then ``pytest --snapshot-update``
for the screens). Paths: breadth-first screen graph, then greedy covering walks (see
flowfsm.testing.gentests). 2 path(s) cover 7 of 7 transitions and guard outcomes seen.

Not covered (not reached by exploration; give the flow a sample with flow.sample):
    store:shop [is_admin] refuse
"""

from examples.guards import store
from flowfsm.testing import Harness
from flowfsm.testing.gentests import screen_of, state_of


async def test_store__buy_sword_admin_panel_back_buy_sword_and_1_more(snapshot):
    async with Harness([store]) as h:
        # open /store
        reply = await h.command('store')
        assert state_of(h) == 'shop'
        assert screen_of(h, reply) == snapshot
        # click 'Buy sword' -> shop; crosses shop [can_afford] pass, shop [not_owned] pass
        reply = await h.click('Buy sword')
        assert state_of(h) == 'shop'
        assert screen_of(h, reply) == snapshot
        # click 'Admin panel' -> admin; crosses shop --admin--> admin, shop [is_admin] pass
        reply = await h.click('Admin panel')
        assert state_of(h) == 'admin'
        assert screen_of(h, reply) == snapshot
        # click 'Back' -> shop; crosses admin --back--> shop
        reply = await h.click('Back')
        assert state_of(h) == 'shop'
        assert screen_of(h, reply) == snapshot
        # click 'Buy sword' -> shop; crosses shop [can_afford] refuse
        reply = await h.click('Buy sword')
        assert state_of(h) == 'shop'
        assert screen_of(h, reply) == snapshot
        # click 'Buy sword' -> shop; crosses shop [can_afford] refuse
        reply = await h.click('Buy sword')
        assert state_of(h) == 'shop'
        assert screen_of(h, reply) == snapshot


async def test_store_rich__buy_sword_buy_sword(snapshot):
    async with Harness([store], commands={'store': ('store', 'shop')}) as h:
        # open /store at 'shop' with {'balance': 100}
        reply = await h.command('store', options={'balance': 100})
        assert state_of(h) == 'shop'
        assert screen_of(h, reply) == snapshot
        # click 'Buy sword' -> shop; crosses shop [can_afford] pass, shop [not_owned] pass
        reply = await h.click('Buy sword')
        assert state_of(h) == 'shop'
        assert screen_of(h, reply) == snapshot
        # click 'Buy sword' -> shop; crosses shop [can_afford] pass, shop [not_owned] refuse
        reply = await h.click('Buy sword')
        assert state_of(h) == 'shop'
        assert screen_of(h, reply) == snapshot
