"""Path tests for flow 'layout_navigation', written by ``flowfsm gen-tests examples.layout_navigation:helpdesk -o tests/test_layout_navigation_paths.py``.

Do not edit by hand: regenerate with the same command (then ``pytest --snapshot-update``
for the screens). Paths: breadth-first screen graph, then greedy covering walks (see
flowfsm.testing.gentests). 2 path(s) cover 15 of 15 transitions and guard outcomes seen.

Not covered (not reached by exploration; give the flow a sample with flow.sample):
    layout_navigation:home --topic_account--> account
    layout_navigation:home --topic_privacy--> privacy
"""

from examples.layout_navigation import helpdesk
from flowfsm.testing import Harness
from flowfsm.testing.gentests import screen_of, state_of


async def test_layout_navigation__open_account_privacy_billing_and_2_more(snapshot):
    async with Harness([helpdesk]) as h:
        # open /layout_navigation
        reply = await h.command('layout_navigation')
        assert state_of(h) == 'home'
        assert screen_of(h, reply) == snapshot
        # click 'Open' -> billing; crosses home --topic_billing--> billing
        reply = await h.click('Open')
        assert state_of(h) == 'billing'
        assert screen_of(h, reply) == snapshot
        # click 'Account' -> account; crosses billing --topic_account--> account
        reply = await h.click('Account')
        assert state_of(h) == 'account'
        assert screen_of(h, reply) == snapshot
        # click 'Privacy' -> privacy; crosses account --topic_privacy--> privacy
        reply = await h.click('Privacy')
        assert state_of(h) == 'privacy'
        assert screen_of(h, reply) == snapshot
        # click 'Billing' -> billing; crosses privacy --topic_billing--> billing
        reply = await h.click('Billing')
        assert state_of(h) == 'billing'
        assert screen_of(h, reply) == snapshot
        # click 'Home' -> home; crosses billing --home--> home
        reply = await h.click('Home')
        assert state_of(h) == 'home'
        assert screen_of(h, reply) == snapshot
        # click 'Close' -> (ended); crosses home --bye--> bye
        reply = await h.click('Close')
        assert state_of(h) == '(ended)'
        assert screen_of(h, reply) == snapshot


async def test_layout_navigation__open_search_billing_account_and_12_more(snapshot):
    async with Harness([helpdesk]) as h:
        # open /layout_navigation
        reply = await h.command('layout_navigation')
        assert state_of(h) == 'home'
        assert screen_of(h, reply) == snapshot
        # click 'Open' -> billing; crosses home --topic_billing--> billing
        reply = await h.click('Open')
        assert state_of(h) == 'billing'
        assert screen_of(h, reply) == snapshot
        # click 'Search' -> search; crosses billing --search--> search
        reply = await h.click('Search')
        assert state_of(h) == 'search'
        assert screen_of(h, reply) == snapshot
        # select 'billing' in 'Jump to a topic' -> billing; crosses search --topic_billing--> billing
        reply = await h.select(['billing'], placeholder='Jump to a topic')
        assert state_of(h) == 'billing'
        assert screen_of(h, reply) == snapshot
        # click 'Account' -> account; crosses billing --topic_account--> account
        reply = await h.click('Account')
        assert state_of(h) == 'account'
        assert screen_of(h, reply) == snapshot
        # click 'Home' -> home; crosses account --home--> home
        reply = await h.click('Home')
        assert state_of(h) == 'home'
        assert screen_of(h, reply) == snapshot
        # click 'Open' -> billing; crosses home --topic_billing--> billing
        reply = await h.click('Open')
        assert state_of(h) == 'billing'
        assert screen_of(h, reply) == snapshot
        # click 'Account' -> account; crosses billing --topic_account--> account
        reply = await h.click('Account')
        assert state_of(h) == 'account'
        assert screen_of(h, reply) == snapshot
        # click 'Search' -> search; crosses account --search--> search
        reply = await h.click('Search')
        assert state_of(h) == 'search'
        assert screen_of(h, reply) == snapshot
        # select 'account' in 'Jump to a topic' -> account; crosses search --topic_account--> account
        reply = await h.select(['account'], placeholder='Jump to a topic')
        assert state_of(h) == 'account'
        assert screen_of(h, reply) == snapshot
        # click 'Privacy' -> privacy; crosses account --topic_privacy--> privacy
        reply = await h.click('Privacy')
        assert state_of(h) == 'privacy'
        assert screen_of(h, reply) == snapshot
        # click 'Home' -> home; crosses privacy --home--> home
        reply = await h.click('Home')
        assert state_of(h) == 'home'
        assert screen_of(h, reply) == snapshot
        # click 'Open' -> billing; crosses home --topic_billing--> billing
        reply = await h.click('Open')
        assert state_of(h) == 'billing'
        assert screen_of(h, reply) == snapshot
        # click 'Search' -> search; crosses billing --search--> search
        reply = await h.click('Search')
        assert state_of(h) == 'search'
        assert screen_of(h, reply) == snapshot
        # select 'privacy' in 'Jump to a topic' -> privacy; crosses search --topic_privacy--> privacy
        reply = await h.select(['privacy'], placeholder='Jump to a topic')
        assert state_of(h) == 'privacy'
        assert screen_of(h, reply) == snapshot
        # click 'Search' -> search; crosses privacy --search--> search
        reply = await h.click('Search')
        assert state_of(h) == 'search'
        assert screen_of(h, reply) == snapshot
        # click 'Home' -> home; crosses search --home--> home
        reply = await h.click('Home')
        assert state_of(h) == 'home'
        assert screen_of(h, reply) == snapshot
