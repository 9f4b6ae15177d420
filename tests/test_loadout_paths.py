"""Path tests for flow 'loadout', written by ``flowfsm gen-tests examples.subflow:loadout -o tests/test_loadout_paths.py``.

Do not edit by hand: regenerate with the same command (then ``pytest --snapshot-update``
for the screens). Paths: breadth-first screen graph, then greedy covering walks (see
flowfsm.testing.gentests). 1 path(s) cover 3 of 3 transitions and guard outcomes seen.
"""

from examples.subflow import loadout, weapons
from flowfsm.testing import Harness
from flowfsm.testing.gentests import screen_of, state_of


async def test_loadout__change_weapon_back_save(snapshot):
    async with Harness([loadout, weapons]) as h:
        # open /loadout
        reply = await h.command('loadout')
        assert state_of(h) == 'editor'
        assert screen_of(h, reply) == snapshot
        # click 'Change weapon' -> weapons:pick; crosses editor --pick--> flow weapons
        reply = await h.click('Change weapon')
        assert state_of(h) == 'weapons:pick'
        assert screen_of(h, reply) == snapshot
        # click 'Back' -> editor; crosses weapons:pick --back--> flow loadout
        reply = await h.click('Back')
        assert state_of(h) == 'editor'
        assert screen_of(h, reply) == snapshot
        # click 'Save' -> (ended); crosses editor --save--> saved
        reply = await h.click('Save')
        assert state_of(h) == '(ended)'
        assert screen_of(h, reply) == snapshot
