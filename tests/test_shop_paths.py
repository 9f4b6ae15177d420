"""Path tests for flow 'shop', written by ``flowfsm gen-tests examples.shop:shop -o tests/test_shop_paths.py``.

Do not edit by hand: regenerate with the same command (then ``pytest --snapshot-update``
for the screens). Paths: breadth-first screen graph, then greedy covering walks (see
flowfsm.testing.gentests). 4 path(s) cover 51 of 51 transitions and guard outcomes seen.
"""

from examples.shop import shop
from flowfsm.testing import Harness
from flowfsm.testing.gentests import screen_of, state_of


async def test_shop__inventory_back_item_01_6_item_02_7_and_7_more(snapshot):
    async with Harness([shop]) as h:
        # open /shop
        reply = await h.command('shop')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Inventory' -> inventory; crosses catalog --inventory--> inventory
        reply = await h.click('Inventory')
        assert state_of(h) == 'inventory'
        assert screen_of(h, reply) == snapshot
        # click 'Back' -> catalog; crosses inventory --back--> catalog
        reply = await h.click('Back')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 01 (6)' -> catalog; crosses catalog [can_afford_Item 01] pass
        reply = await h.click('Item 01 (6)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 02 (7)' -> catalog; crosses catalog [can_afford_Item 02] pass
        reply = await h.click('Item 02 (7)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 03 (8)' -> catalog; crosses catalog [can_afford_Item 03] pass
        reply = await h.click('Item 03 (8)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 04 (9)' -> catalog; crosses catalog [can_afford_Item 04] pass
        reply = await h.click('Item 04 (9)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 05 (10)' -> catalog; crosses catalog [can_afford_Item 05] pass
        reply = await h.click('Item 05 (10)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 06 (11)' -> catalog; crosses catalog [can_afford_Item 06] pass
        reply = await h.click('Item 06 (11)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 07 (12)' -> catalog; crosses catalog [can_afford_Item 07] pass
        reply = await h.click('Item 07 (12)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 08 (13)' -> catalog; crosses catalog [can_afford_Item 08] pass
        reply = await h.click('Item 08 (13)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Done' -> (ended); crosses catalog --done--> receipt
        reply = await h.click('Done')
        assert state_of(h) == '(ended)'
        assert screen_of(h, reply) == snapshot


async def test_shop__next_item_09_14_item_10_15_item_11_16_and_14_more(snapshot):
    async with Harness([shop]) as h:
        # open /shop
        reply = await h.command('shop')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Next →' -> catalog
        reply = await h.click('Next →')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 09 (14)' -> catalog; crosses catalog [can_afford_Item 09] pass
        reply = await h.click('Item 09 (14)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 10 (15)' -> catalog; crosses catalog [can_afford_Item 10] pass
        reply = await h.click('Item 10 (15)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 11 (16)' -> catalog; crosses catalog [can_afford_Item 11] pass
        reply = await h.click('Item 11 (16)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 12 (17)' -> catalog; crosses catalog [can_afford_Item 12] pass
        reply = await h.click('Item 12 (17)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 13 (18)' -> catalog; crosses catalog [can_afford_Item 13] pass
        reply = await h.click('Item 13 (18)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 14 (19)' -> catalog; crosses catalog [can_afford_Item 14] pass
        reply = await h.click('Item 14 (19)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 15 (20)' -> catalog; crosses catalog [can_afford_Item 15] pass
        reply = await h.click('Item 15 (20)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 16 (21)' -> catalog; crosses catalog [can_afford_Item 16] pass
        reply = await h.click('Item 16 (21)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Next →' -> catalog
        reply = await h.click('Next →')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 17 (22)' -> catalog; crosses catalog [can_afford_Item 17] pass
        reply = await h.click('Item 17 (22)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 18 (23)' -> catalog; crosses catalog [can_afford_Item 18] pass
        reply = await h.click('Item 18 (23)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 19 (24)' -> catalog; crosses catalog [can_afford_Item 19] refuse
        reply = await h.click('Item 19 (24)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 20 (25)' -> catalog; crosses catalog [can_afford_Item 20] refuse
        reply = await h.click('Item 20 (25)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 21 (26)' -> catalog; crosses catalog [can_afford_Item 21] refuse
        reply = await h.click('Item 21 (26)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 22 (27)' -> catalog; crosses catalog [can_afford_Item 22] refuse
        reply = await h.click('Item 22 (27)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 23 (28)' -> catalog; crosses catalog [can_afford_Item 23] refuse
        reply = await h.click('Item 23 (28)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 24 (29)' -> catalog; crosses catalog [can_afford_Item 24] refuse
        reply = await h.click('Item 24 (29)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot


async def test_shop__next_next_item_19_24_item_20_25_and_4_more(snapshot):
    async with Harness([shop]) as h:
        # open /shop
        reply = await h.command('shop')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Next →' -> catalog
        reply = await h.click('Next →')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Next →' -> catalog
        reply = await h.click('Next →')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 19 (24)' -> catalog; crosses catalog [can_afford_Item 19] pass
        reply = await h.click('Item 19 (24)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 20 (25)' -> catalog; crosses catalog [can_afford_Item 20] pass
        reply = await h.click('Item 20 (25)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 21 (26)' -> catalog; crosses catalog [can_afford_Item 21] pass
        reply = await h.click('Item 21 (26)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 22 (27)' -> catalog; crosses catalog [can_afford_Item 22] pass
        reply = await h.click('Item 22 (27)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 23 (28)' -> catalog; crosses catalog [can_afford_Item 23] pass
        reply = await h.click('Item 23 (28)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 24 (29)' -> catalog; crosses catalog [can_afford_Item 24] pass
        reply = await h.click('Item 24 (29)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot


async def test_shop_broke__item_01_6_item_02_7_item_03_8_item_04_9_and_16_more(snapshot):
    async with Harness([shop], commands={'shop': ('shop', 'catalog')}) as h:
        # open /shop at 'catalog' with {'balance': 0}
        reply = await h.command('shop', options={'balance': 0})
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 01 (6)' -> catalog; crosses catalog [can_afford_Item 01] refuse
        reply = await h.click('Item 01 (6)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 02 (7)' -> catalog; crosses catalog [can_afford_Item 02] refuse
        reply = await h.click('Item 02 (7)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 03 (8)' -> catalog; crosses catalog [can_afford_Item 03] refuse
        reply = await h.click('Item 03 (8)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 04 (9)' -> catalog; crosses catalog [can_afford_Item 04] refuse
        reply = await h.click('Item 04 (9)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 05 (10)' -> catalog; crosses catalog [can_afford_Item 05] refuse
        reply = await h.click('Item 05 (10)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 06 (11)' -> catalog; crosses catalog [can_afford_Item 06] refuse
        reply = await h.click('Item 06 (11)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 07 (12)' -> catalog; crosses catalog [can_afford_Item 07] refuse
        reply = await h.click('Item 07 (12)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 08 (13)' -> catalog; crosses catalog [can_afford_Item 08] refuse
        reply = await h.click('Item 08 (13)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Next →' -> catalog
        reply = await h.click('Next →')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 09 (14)' -> catalog; crosses catalog [can_afford_Item 09] refuse
        reply = await h.click('Item 09 (14)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 10 (15)' -> catalog; crosses catalog [can_afford_Item 10] refuse
        reply = await h.click('Item 10 (15)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 11 (16)' -> catalog; crosses catalog [can_afford_Item 11] refuse
        reply = await h.click('Item 11 (16)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 12 (17)' -> catalog; crosses catalog [can_afford_Item 12] refuse
        reply = await h.click('Item 12 (17)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 13 (18)' -> catalog; crosses catalog [can_afford_Item 13] refuse
        reply = await h.click('Item 13 (18)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 14 (19)' -> catalog; crosses catalog [can_afford_Item 14] refuse
        reply = await h.click('Item 14 (19)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 15 (20)' -> catalog; crosses catalog [can_afford_Item 15] refuse
        reply = await h.click('Item 15 (20)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 16 (21)' -> catalog; crosses catalog [can_afford_Item 16] refuse
        reply = await h.click('Item 16 (21)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Next →' -> catalog
        reply = await h.click('Next →')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 17 (22)' -> catalog; crosses catalog [can_afford_Item 17] refuse
        reply = await h.click('Item 17 (22)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
        # click 'Item 18 (23)' -> catalog; crosses catalog [can_afford_Item 18] refuse
        reply = await h.click('Item 18 (23)')
        assert state_of(h) == 'catalog'
        assert screen_of(h, reply) == snapshot
