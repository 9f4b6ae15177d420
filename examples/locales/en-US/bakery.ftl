# The bakery flow (examples/i18n.py), English: the default locale.
bread-pretzel = Pretzel
bread-rye = Rye bread
bread-croissant = Croissant

counter =
    .title = The village bakery
    .basket = { $count ->
        [0] Your basket is empty.
        [one] Your basket holds one bread.
       *[other] Your basket holds { $count } breads.
    }
    .pick = Choose a bread
    .buy = Buy
    .note = Note for the baker
    .to-basket = Basket
    .choose-first = Choose a bread first.

note =
    .title = A note for the baker
    .field = Your note

basket =
    .heading = In your basket:
    .empty = Nothing yet.
    .order = Order

ordered =
    .thanks = { $count ->
        [one] Thank you, { $user }! Your bread is on its way.
       *[other] Thank you, { $user }! Your { $count } breads are on their way.
    }
    .note = Your note: { $note }
