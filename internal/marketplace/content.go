package marketplace

import (
	"context"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
)

// Limits of a listing's content.
const (
	maxName          = 60
	maxTagline       = 120
	maxDescription   = 20000
	maxScreenshots   = 6
	maxCaption       = 140
	maxCategories    = 3
	maxTags          = 10
	maxPricing       = 200
	maxLanguages     = 20
	maxJustification = 500
	maxURL           = 2000
	minDescription   = 20
)

var (
	slugPattern     = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)
	tagPattern      = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,28}[a-z0-9])?$`)
	languagePattern = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,2}$`)
	assetPattern    = regexp.MustCompile(`^/assets/[0-9a-f]{64}\.(png|svg|webp)$`)
)

// ContentPatch is a write of a listing's content: absent fields are left as
// they are.
type ContentPatch struct {
	Name                *string            `json:"name,omitempty" doc:"The listed product's name, 1 to 60 characters."`
	Tagline             *string            `json:"tagline,omitempty" doc:"One line saying what it does, at most 120 characters."`
	Description         *string            `json:"description,omitempty" doc:"The long description in Markdown (raw HTML is dropped), at most 20,000 bytes."`
	IconURL             *string            `json:"icon_url,omitempty" doc:"The icon: a path /assets/… from the images upload, or empty for none."`
	Screenshots         *[]Screenshot      `json:"screenshots,omitempty" doc:"Up to 6 screenshots from the images upload, in order."`
	Categories          *[]string          `json:"categories,omitempty" doc:"Up to 3 category slugs from the catalog."`
	Tags                *[]string          `json:"tags,omitempty" doc:"Up to 10 tags of 1 to 30 characters a-z, 0-9 and -."`
	WebsiteURL          *string            `json:"website_url,omitempty" format:"uri" doc:"The product's website."`
	SupportURL          *string            `json:"support_url,omitempty" format:"uri" doc:"Where users get support."`
	SupportEmail        *string            `json:"support_email,omitempty" format:"email" doc:"Where users get support by email."`
	PrivacyURL          *string            `json:"privacy_url,omitempty" format:"uri" doc:"The privacy policy."`
	TermsURL            *string            `json:"terms_url,omitempty" format:"uri" doc:"The terms of service."`
	InstallURL          *string            `json:"install_url,omitempty" format:"uri" doc:"For an app: where install sends the user instead of Patchbay's authorize URL."`
	Pricing             *string            `json:"pricing,omitempty" doc:"A short pricing note, at most 200 characters."`
	Languages           *[]string          `json:"languages,omitempty" doc:"The languages the product supports, as BCP 47 tags such as en or pt-BR."`
	ScopeJustifications *map[string]string `json:"scope_justifications,omitempty" doc:"Why the product needs each scope, by scope name, at most 500 characters each."`
}

// Valid reports the fields whose shape is wrong; what the catalog and the
// asset store must confirm is checked by the service.
func (p ContentPatch) Valid(context.Context) map[string]string {
	probs := map[string]string{}
	text := func(field string, v *string, max int) {
		if v != nil && (utf8.RuneCountInString(*v) > max || !httpapi.IsText(*v)) {
			probs[field] = fmt.Sprintf("must be text of at most %d characters", max)
		}
	}
	if p.Name != nil && strings.TrimSpace(*p.Name) == "" {
		probs["name"] = "must not be empty"
	}
	text("name", p.Name, maxName)
	text("tagline", p.Tagline, maxTagline)
	if p.Description != nil && (len(*p.Description) > maxDescription || !httpapi.IsText(*p.Description)) {
		probs["description"] = fmt.Sprintf("must be Markdown of at most %d bytes", maxDescription)
	}
	text("pricing", p.Pricing, maxPricing)
	if p.IconURL != nil && *p.IconURL != "" && !assetPattern.MatchString(*p.IconURL) {
		probs["icon_url"] = "must be a path /assets/… returned by the images upload"
	}
	if p.Screenshots != nil {
		if len(*p.Screenshots) > maxScreenshots {
			probs["screenshots"] = fmt.Sprintf("may hold at most %d screenshots", maxScreenshots)
		}
		for i, sc := range *p.Screenshots {
			if !assetPattern.MatchString(sc.URL) {
				probs[fmt.Sprintf("screenshots/%d/url", i)] = "must be a path /assets/… returned by the images upload"
			}
			if utf8.RuneCountInString(sc.Caption) > maxCaption || !httpapi.IsText(sc.Caption) {
				probs[fmt.Sprintf("screenshots/%d/caption", i)] = fmt.Sprintf("must be text of at most %d characters", maxCaption)
			}
		}
	}
	list := func(field string, v *[]string, max int, pattern *regexp.Regexp, what string) {
		if v == nil {
			return
		}
		if len(*v) > max {
			probs[field] = fmt.Sprintf("may hold at most %d", max)
		}
		for i, s := range *v {
			if !pattern.MatchString(s) {
				probs[fmt.Sprintf("%s/%d", field, i)] = what
			} else if slices.Index(*v, s) != i {
				probs[fmt.Sprintf("%s/%d", field, i)] = "is given twice"
			}
		}
	}
	list("categories", p.Categories, maxCategories, slugPattern, "must be a category slug")
	list("tags", p.Tags, maxTags, tagPattern, "must be 1 to 30 characters a-z, 0-9 and -, not starting or ending with -")
	list("languages", p.Languages, maxLanguages, languagePattern, "must be a BCP 47 language tag such as en or pt-BR")
	for field, v := range map[string]*string{"website_url": p.WebsiteURL, "support_url": p.SupportURL, "privacy_url": p.PrivacyURL,
		"terms_url": p.TermsURL, "install_url": p.InstallURL} {
		if v != nil && *v != "" && !webURL(*v, false) {
			probs[field] = "must be an absolute http or https URL"
		}
	}
	if p.SupportEmail != nil && *p.SupportEmail != "" {
		if a, err := mail.ParseAddress(*p.SupportEmail); err != nil || a.Address != *p.SupportEmail || len(*p.SupportEmail) > 254 {
			probs["support_email"] = "must be an email address such as help@example.com"
		}
	}
	if p.ScopeJustifications != nil {
		if len(*p.ScopeJustifications) > 100 {
			probs["scope_justifications"] = "may justify at most 100 scopes"
		}
		for scope, why := range *p.ScopeJustifications {
			if scope == "" || len(scope) > 200 || !httpapi.IsText(scope) {
				probs["scope_justifications"] = "keys must be scope names"
			} else if utf8.RuneCountInString(why) > maxJustification || !httpapi.IsText(why) {
				probs["scope_justifications/"+scope] = fmt.Sprintf("must be text of at most %d characters", maxJustification)
			}
		}
	}
	return probs
}

// webURL reports whether s is an absolute http(s) URL (https only when
// httpsOnly) with a host and no credentials.
func webURL(s string, httpsOnly bool) bool {
	if len(s) > maxURL {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}
	return u.Scheme == "https" || !httpsOnly && u.Scheme == "http"
}

// apply writes p onto c.
func (p ContentPatch) apply(c *Content) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&c.Name, p.Name)
	set(&c.Tagline, p.Tagline)
	if p.Description != nil {
		c.Description = *p.Description
	}
	set(&c.IconURL, p.IconURL)
	set(&c.WebsiteURL, p.WebsiteURL)
	set(&c.SupportURL, p.SupportURL)
	set(&c.SupportEmail, p.SupportEmail)
	set(&c.PrivacyURL, p.PrivacyURL)
	set(&c.TermsURL, p.TermsURL)
	set(&c.InstallURL, p.InstallURL)
	set(&c.Pricing, p.Pricing)
	if p.Screenshots != nil {
		c.Screenshots = slices.Clone(*p.Screenshots)
	}
	if p.Categories != nil {
		c.Categories = slices.Clone(*p.Categories)
	}
	if p.Tags != nil {
		c.Tags = slices.Clone(*p.Tags)
	}
	if p.Languages != nil {
		c.Languages = slices.Clone(*p.Languages)
	}
	if p.ScopeJustifications != nil {
		c.ScopeJustifications = map[string]string{}
		for k, v := range *p.ScopeJustifications {
			if v = strings.TrimSpace(v); v != "" {
				c.ScopeJustifications[k] = v
			}
		}
	}
}

// normalized gives nil lists and maps their empty values, so that the JSON
// shows [] and {}, and renders the description.
func (c Content) normalized() Content {
	c = c.normalized0()
	c.DescriptionHTML = RenderMarkdown(c.Description)
	return c
}

// card is the content as lists show it: without the description, which
// only the listing's own page shows (rendering it for every row of a list
// would cost more than the search).
func (c Content) card() Content {
	c = c.normalized0()
	c.Description = ""
	return c
}

// normalized0 is normalized without rendering the description.
func (c Content) normalized0() Content {
	if c.Screenshots == nil {
		c.Screenshots = []Screenshot{}
	}
	for _, l := range []*[]string{&c.Categories, &c.Tags, &c.Languages} {
		if *l == nil {
			*l = []string{}
		}
	}
	if c.ScopeJustifications == nil {
		c.ScopeJustifications = map[string]string{}
	}
	c.DescriptionHTML = ""
	return c
}

// checksOf runs the pre-submission checks on content whose product asks for
// scopes (the app's or the integration's); app is nil for integrations.
func checksOf(c Content, scopes []string, redirectURIs []string, isApp bool) Checks {
	var probs []Problem
	add := func(field, detail string) { probs = append(probs, Problem{Field: field, Detail: detail}) }
	if c.Name == "" {
		add("name", "is required")
	}
	if c.Tagline == "" {
		add("tagline", "is required")
	}
	if utf8.RuneCountInString(strings.TrimSpace(c.Description)) < minDescription {
		add("description", fmt.Sprintf("must say what the product does in at least %d characters", minDescription))
	}
	if c.IconURL == "" {
		add("icon_url", "an icon is required")
	}
	if len(c.Categories) == 0 {
		add("categories", "at least one category is required")
	}
	for field, v := range map[string]string{"website_url": c.WebsiteURL, "support_url": c.SupportURL, "install_url": c.InstallURL} {
		if v != "" && !webURL(v, true) {
			add(field, "must be an https URL")
		}
	}
	for field, v := range map[string]string{"privacy_url": c.PrivacyURL, "terms_url": c.TermsURL} {
		if v == "" {
			add(field, "is required")
		} else if !webURL(v, true) {
			add(field, "must be an https URL")
		}
	}
	if c.SupportURL == "" && c.SupportEmail == "" {
		add("support_url", "a support URL or email address is required")
	}
	for _, scope := range scopes {
		if c.ScopeJustifications[scope] == "" {
			add("scope_justifications/"+scope, "every scope the product asks for needs a justification")
		}
	}
	if isApp && len(redirectURIs) == 0 {
		add("app_id", "the app needs at least one redirect URI")
	}
	slices.SortFunc(probs, func(a, b Problem) int { return strings.Compare(a.Field, b.Field) })
	return Checks{OK: len(probs) == 0, Problems: nonNil(probs)}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// checksFailed is the 422 of a submission whose checks fail.
func checksFailed(ch Checks) error {
	e := apperr.Because(apperr.Unprocessable, "checks_failed", "the listing is not ready for review: %d check(s) failed", len(ch.Problems))
	e.Fields = map[string]string{}
	for _, p := range ch.Problems {
		e.Fields[p.Field] = p.Detail
	}
	return e
}
