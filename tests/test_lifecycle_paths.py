"""Path tests for flow 'lifecycle', written by ``flowfsm gen-tests examples.lifecycle:lifecycle -o tests/test_lifecycle_paths.py``.

Do not edit by hand: regenerate with the same command (then ``pytest --snapshot-update``
for the screens). Paths: breadth-first screen graph, then greedy covering walks (see
flowfsm.testing.gentests). 1 path(s) cover 6 of 6 transitions and guard outcomes seen.
"""

from examples.lifecycle import lifecycle
from flowfsm.testing import Harness
from flowfsm.testing.gentests import screen_of, state_of


async def test_lifecycle__browse_open_item_back_to_list_home_and_2_more(snapshot):
    async with Harness([lifecycle]) as h:
        # open /lifecycle
        reply = await h.command('lifecycle')
        assert state_of(h) == 'counter'
        assert screen_of(h, reply) == snapshot
        # click 'Browse' -> browse; crosses counter --browse--> browse
        reply = await h.click('Browse')
        assert state_of(h) == 'browse'
        assert screen_of(h, reply) == snapshot
        # click 'Open item' -> detail; crosses browse --open--> detail
        reply = await h.click('Open item')
        assert state_of(h) == 'detail'
        assert screen_of(h, reply) == snapshot
        # click 'Back to list' -> browse; crosses detail --list--> browse
        reply = await h.click('Back to list')
        assert state_of(h) == 'browse'
        assert screen_of(h, reply) == snapshot
        # click 'Home' -> counter; crosses browse --home--> counter
        reply = await h.click('Home')
        assert state_of(h) == 'counter'
        assert screen_of(h, reply) == snapshot
        # click 'Scratch' -> scratch; crosses counter --scratch--> scratch
        reply = await h.click('Scratch')
        assert state_of(h) == 'scratch'
        assert screen_of(h, reply) == snapshot
        # click 'Home' -> counter; crosses scratch --home--> counter
        reply = await h.click('Home')
        assert state_of(h) == 'counter'
        assert screen_of(h, reply) == snapshot
