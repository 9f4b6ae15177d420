# The bakery flow (examples/i18n.py), German.
bread-pretzel = Brezel
bread-rye = Roggenbrot
bread-croissant = Croissant

counter =
    .title = Die Dorfbäckerei
    .basket = { $count ->
        [0] Dein Korb ist leer.
        [one] In deinem Korb liegt ein Brot.
       *[other] In deinem Korb liegen { $count } Brote.
    }
    .pick = Wähle ein Brot
    .buy = Kaufen
    .note = Notiz für den Bäcker
    .to-basket = Korb
    .choose-first = Wähle zuerst ein Brot.

note =
    .title = Eine Notiz für den Bäcker
    .field = Deine Notiz

basket =
    .heading = In deinem Korb:
    .empty = Noch nichts.
    .order = Bestellen

ordered =
    .thanks = { $count ->
        [one] Danke, { $user }! Dein Brot ist unterwegs.
       *[other] Danke, { $user }! Deine { $count } Brote sind unterwegs.
    }
    .note = Deine Notiz: { $note }
