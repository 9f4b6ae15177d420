# flowfsm's built-in texts in German. { $command } is the flow's slash command.
expired = Dieses Menü ist abgelaufen. Führe /{ $command } erneut aus.
not_yours = Dieses Menü gehört jemand anderem. Führe /{ $command } aus, um dein eigenes zu öffnen.
stale = Diese Schaltfläche gehört zu einer früheren Ansicht dieses Menüs. Nutze die Schaltflächen der aktuellen.
invalid = Diese Schaltfläche ist ungültig. Führe den Befehl erneut aus, um ein neues Menü zu öffnen.
error = Bei diesem Menü ist etwas schiefgelaufen, daher wurde es geschlossen. Bitte versuche es erneut.
timeout = Dieser Schritt hat zu lange gedauert, daher wurde das Menü geschlossen. Bitte versuche es erneut.
open_again = Erneut öffnen
cancelled = Abgebrochen.
back_label = Zurück
cancel_label = Abbrechen
previous_label = ← Vorherige Seite
next_label = Nächste Seite →
moved = Dieses Menü geht in einer neueren Nachricht weiter.
unavailable = Für diesen Befehl lässt sich gerade kein Menü öffnen. Der Betreiber des Bots wurde benachrichtigt.
