"""Path tests for flow 'navigation', written by ``flowfsm gen-tests examples.navigation:nav -o tests/test_navigation_paths.py``.

Do not edit by hand: regenerate with the same command (then ``pytest --snapshot-update``
for the screens). Paths: breadth-first screen graph, then greedy covering walks (see
flowfsm.testing.gentests). 1 path(s) cover 9 of 9 transitions and guard outcomes seen.
"""

from examples.navigation import nav
from flowfsm.testing import Harness
from flowfsm.testing.gentests import screen_of, state_of


async def test_navigation__settings_profile_back_back_and_8_more(snapshot):
    async with Harness([nav]) as h:
        # open /menu
        reply = await h.command('menu')
        assert state_of(h) == 'main'
        assert screen_of(h, reply) == snapshot
        # click 'Settings' -> settings; crosses main --settings--> settings
        reply = await h.click('Settings')
        assert state_of(h) == 'settings'
        assert screen_of(h, reply) == snapshot
        # click 'Profile' -> profile; crosses settings --profile--> profile
        reply = await h.click('Profile')
        assert state_of(h) == 'profile'
        assert screen_of(h, reply) == snapshot
        # click 'Back' -> settings; crosses profile --back--> settings
        reply = await h.click('Back')
        assert state_of(h) == 'settings'
        assert screen_of(h, reply) == snapshot
        # click 'Back' -> main; crosses settings --back--> main
        reply = await h.click('Back')
        assert state_of(h) == 'main'
        assert screen_of(h, reply) == snapshot
        # click 'Delete my data' -> confirm_delete; crosses main --delete--> confirm_delete
        reply = await h.click('Delete my data')
        assert state_of(h) == 'confirm_delete'
        assert screen_of(h, reply) == snapshot
        # click 'Yes, delete' -> deleted; crosses confirm_delete --confirm--> deleted
        reply = await h.click('Yes, delete')
        assert state_of(h) == 'deleted'
        assert screen_of(h, reply) == snapshot
        # click 'Back' -> main; crosses deleted --back--> main
        reply = await h.click('Back')
        assert state_of(h) == 'main'
        assert screen_of(h, reply) == snapshot
        # click 'Delete my data' -> confirm_delete; crosses main --delete--> confirm_delete
        reply = await h.click('Delete my data')
        assert state_of(h) == 'confirm_delete'
        assert screen_of(h, reply) == snapshot
        # click 'No' -> main; crosses confirm_delete --abort--> main
        reply = await h.click('No')
        assert state_of(h) == 'main'
        assert screen_of(h, reply) == snapshot
        # click 'Settings' -> settings; crosses main --settings--> settings
        reply = await h.click('Settings')
        assert state_of(h) == 'settings'
        assert screen_of(h, reply) == snapshot
        # click 'Profile' -> profile; crosses settings --profile--> profile
        reply = await h.click('Profile')
        assert state_of(h) == 'profile'
        assert screen_of(h, reply) == snapshot
        # click 'Cancel' -> (ended); crosses profile --cancel--> (internal)
        reply = await h.click('Cancel')
        assert state_of(h) == '(ended)'
        assert screen_of(h, reply) == snapshot
