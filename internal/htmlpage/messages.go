package htmlpage

import (
	"fmt"
	"net/http"

	"golang.org/x/text/language"
)

// catalogs hold every string the pages show, per language: English, which
// is complete and the fallback, and German. A key missing from a language
// falls back to English, and one missing there shows as itself, which a test
// catches. The web components keep their own catalog in TypeScript.
var catalogs = map[string]map[string]string{
	"en": {
		"footer.label":   "Help and legal",
		"footer.support": "Support",
		"footer.terms":   "Terms",
		"footer.privacy": "Privacy",

		"ratelimit.title":       "Too many requests",
		"portal.webhooks":       "Webhooks",
		"portal.connections":    "Connections",
		"portal.authorizedApps": "Authorized apps",
		"portal.marketplace":    "Marketplace",
		"portal.developer":      "Marketplace listings",
		"ratelimit.body":        "Too many requests came from your network in a short time. Wait %s seconds and try again.",

		"docs.title": "API reference",

		"error.title":       "Cannot continue",
		"error.code":        "Error code: %s",
		"error.support":     "If this keeps happening, contact support and mention the error code.",
		"error.supportLink": "Contact support",
		"error.unavailable": "Try again in a moment",

		"consent.title":           "Allow %s?",
		"consent.heading":         "%s wants to access your account",
		"consent.by":              "by %s",
		"consent.unreviewed":      "Not reviewed",
		"consent.unreviewedClaim": "This app registered itself, so its name is only its own claim.",
		"consent.comesFrom":       "It comes from",
		"consent.trust":           "Allow it only if you trust that.",
		"consent.aDevice":         "a device",
		"consent.verified":        "Published app",
		"consent.homepage":        "Website",
		"consent.documentAt":      "This app is identified by a document at",
		"consent.documentClaim":   "Its name is only that document's claim.",
		"consent.policy":          "Privacy policy",
		"consent.terms":           "Terms of service",
		"consent.signedInAs":      "Signed in as",
		"consent.inTeam":          "in %s",
		"consent.switch":          "Not you? Switch account",
		"consent.resources":       "It will reach",
		"consent.wantsTo":         "It will be able to",
		"consent.level.read":      "Read",
		"consent.level.write":     "Change",
		"consent.level.admin":     "Administer",
		"consent.already":         "It already has: %s.",
		"consent.device":          "You entered a code from a device. Allow only if you started this on your own device just now; if someone sent you the code, choose Deny.",
		"consent.redirect":        "After you choose, you will be sent to %s.",
		"consent.revoke":          "You can remove this app's access at any time in %s's settings, under authorized apps.",
		"consent.allow":           "Allow",
		"consent.deny":            "Deny",

		"device.title":    "Connect a device",
		"device.intro":    "Enter the code your device shows. You will sign in and choose what to allow.",
		"device.code":     "Code",
		"device.continue": "Continue",

		"devlogin.title":  "Development sign-in",
		"devlogin.intro":  "Patchbay is in --dev mode and no login URL is configured, so it signs users in itself. In production the SaaS's own login page does this and calls the login-request accept API.",
		"devlogin.asks":   "%s asks for: %s",
		"devlogin.user":   "User ID",
		"devlogin.team":   "Team ID",
		"devlogin.signIn": "Sign in",

		"connect.title":        "Connect %s",
		"connect.oauthIntro":   "You will sign in to %s and allow %s to:",
		"connect.onBehalf":     "use your %s account on your behalf",
		"connect.storeIntro":   "%s will store what you enter below, encrypted, and use it to call %s on your behalf.",
		"connect.continueTo":   "Continue to %s",
		"connect.connect":      "Connect",
		"connect.cancel":       "Cancel",
		"connect.errorTitle":   "Cannot connect",
		"connect.revoke":       "You can disconnect %s at any time in %s.",
		"connect.returnTo":     "Afterwards you return to %s.",
		"connect.doneTitle":    "Connected",
		"connect.doneBody":     "You can close this window and return to the application.",
		"connect.notDoneTitle": "Not connected",
		"connect.notDoneBody":  "Connecting did not finish. Close this window and try again from the application.",
		"connect.returnToApp":  "Return to the application",

		"console.title":      "Marketplace review",
		"console.signInHelp": "Sign in with an admin API key that holds the scope %s. The key is exchanged for a session of 30 minutes and is not kept in the browser.",
		"console.key":        "Admin API key",
		"console.signIn":     "Sign in",
		"console.signOut":    "Sign out",
		"console.tokenHelp":  "Or open this page from your own admin tool with an embed token that grants marketplace:review (#token=… in the address).",
	},
	"de": {
		"footer.label":   "Hilfe und Rechtliches",
		"footer.support": "Support",
		"footer.terms":   "Nutzungsbedingungen",
		"footer.privacy": "Datenschutz",

		"docs.title": "API-Referenz",

		"ratelimit.title":       "Zu viele Anfragen",
		"portal.webhooks":       "Webhooks",
		"portal.connections":    "Verbindungen",
		"portal.authorizedApps": "Autorisierte Apps",
		"portal.marketplace":    "Marktplatz",
		"portal.developer":      "Marktplatz-Einträge",
		"ratelimit.body":        "Aus Ihrem Netzwerk kamen in kurzer Zeit zu viele Anfragen. Warten Sie %s Sekunden und versuchen Sie es erneut.",

		"error.title":       "Vorgang nicht möglich",
		"error.code":        "Fehlercode: %s",
		"error.support":     "Wenn das wieder passiert, wenden Sie sich an den Support und nennen Sie den Fehlercode.",
		"error.supportLink": "Support kontaktieren",
		"error.unavailable": "Bitte gleich noch einmal versuchen",

		"consent.title":           "%s erlauben?",
		"consent.heading":         "%s möchte auf Ihr Konto zugreifen",
		"consent.by":              "von %s",
		"consent.unreviewed":      "Nicht geprüft",
		"consent.unreviewedClaim": "Diese App hat sich selbst registriert; ihr Name ist nur ihre eigene Angabe.",
		"consent.comesFrom":       "Sie stammt von",
		"consent.trust":           "Erlauben Sie den Zugriff nur, wenn Sie dem vertrauen.",
		"consent.aDevice":         "einem Gerät",
		"consent.verified":        "Veröffentlichte App",
		"consent.homepage":        "Website",
		"consent.documentAt":      "Diese App ist ausgewiesen durch ein Dokument auf",
		"consent.documentClaim":   "Ihr Name ist nur die Angabe dieses Dokuments.",
		"consent.policy":          "Datenschutzerklärung",
		"consent.terms":           "Nutzungsbedingungen",
		"consent.signedInAs":      "Angemeldet als",
		"consent.inTeam":          "in %s",
		"consent.switch":          "Nicht Sie? Konto wechseln",
		"consent.resources":       "Sie erhält Zugriff auf",
		"consent.wantsTo":         "Sie darf",
		"consent.level.read":      "Lesen",
		"consent.level.write":     "Ändern",
		"consent.level.admin":     "Verwalten",
		"consent.already":         "Bereits erlaubt: %s.",
		"consent.device":          "Sie haben einen Code von einem Gerät eingegeben. Erlauben Sie nur, wenn Sie das gerade selbst auf Ihrem Gerät begonnen haben; hat Ihnen jemand den Code geschickt, wählen Sie Ablehnen.",
		"consent.redirect":        "Nach Ihrer Wahl werden Sie zu %s weitergeleitet.",
		"consent.revoke":          "Sie können den Zugriff dieser App jederzeit in den Einstellungen von %s unter „Autorisierte Apps“ entfernen.",
		"consent.allow":           "Erlauben",
		"consent.deny":            "Ablehnen",

		"device.title":    "Gerät verbinden",
		"device.intro":    "Geben Sie den Code ein, den Ihr Gerät anzeigt. Danach melden Sie sich an und wählen, was Sie erlauben.",
		"device.code":     "Code",
		"device.continue": "Weiter",

		"devlogin.title":  "Anmeldung (Entwicklung)",
		"devlogin.intro":  "Patchbay läuft im Modus --dev ohne Login-URL und meldet Benutzer deshalb selbst an. Im Betrieb übernimmt das die Login-Seite des SaaS und ruft die API zum Annehmen der Login-Anfrage auf.",
		"devlogin.asks":   "%s bittet um: %s",
		"devlogin.user":   "Benutzer-ID",
		"devlogin.team":   "Team-ID",
		"devlogin.signIn": "Anmelden",

		"connect.title":        "%s verbinden",
		"connect.oauthIntro":   "Sie melden sich bei %s an und erlauben %s:",
		"connect.onBehalf":     "Ihr %s-Konto in Ihrem Namen zu nutzen",
		"connect.storeIntro":   "%s speichert Ihre Eingaben verschlüsselt und ruft damit %s in Ihrem Namen auf.",
		"connect.continueTo":   "Weiter zu %s",
		"connect.connect":      "Verbinden",
		"connect.cancel":       "Abbrechen",
		"connect.errorTitle":   "Verbindung nicht möglich",
		"connect.revoke":       "Sie können %s jederzeit in %s trennen.",
		"connect.returnTo":     "Danach kehren Sie zu %s zurück.",
		"connect.doneTitle":    "Verbunden",
		"connect.doneBody":     "Sie können dieses Fenster schließen und zur Anwendung zurückkehren.",
		"connect.notDoneTitle": "Nicht verbunden",
		"connect.notDoneBody":  "Das Verbinden wurde nicht abgeschlossen. Schließen Sie dieses Fenster und versuchen Sie es in der Anwendung erneut.",
		"connect.returnToApp":  "Zur Anwendung zurückkehren",

		"console.title":      "Marktplatz-Prüfung",
		"console.signInHelp": "Melden Sie sich mit einem Admin-API-Schlüssel an, der den Scope %s hat. Der Schlüssel wird gegen eine Sitzung von 30 Minuten getauscht und nicht im Browser gespeichert.",
		"console.key":        "Admin-API-Schlüssel",
		"console.signIn":     "Anmelden",
		"console.signOut":    "Abmelden",
		"console.tokenHelp":  "Oder öffnen Sie diese Seite aus Ihrem eigenen Admin-Werkzeug mit einem Embed-Token, das marketplace:review gewährt (#token=… in der Adresse).",
	},
}

// languages are the catalogs' languages, the fallback first.
var languages = language.NewMatcher([]language.Tag{language.English, language.German})

// Language is the page language for r, from its Accept-Language header:
// "en" or "de".
func Language(r *http.Request) string {
	tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	_, i, conf := languages.Match(tags...)
	if conf == language.No || i != 1 {
		return "en"
	}
	return "de"
}

// format returns msgs' message key, or English's, formatted with args.
func format(msgs map[string]string, key string, args ...any) string {
	msg, ok := msgs[key]
	if !ok {
		if msg, ok = catalogs["en"][key]; !ok {
			return key
		}
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}
