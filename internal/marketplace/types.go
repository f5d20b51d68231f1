// Package marketplace is the directory a SaaS runs for its customers: listings
// of third-party OAuth apps and of the SaaS's own integrations, the review
// workflow that third-party developers' listings go through, one-click
// install and an uninstall that revokes what the install granted, reviews,
// and full-text search. It owns the marketplace_* tables; it reaches OAuth
// apps, integrations and connections only through oauth.Service and
// connect.Service, and images through the assets store.
package marketplace

import "time"

// Kinds of listing.
const (
	KindApp         = "app"         // one OAuth app, built by a developer team
	KindIntegration = "integration" // one connections integration the SaaS offers itself
)

// States of a listing and of its working revision.
const (
	StateDraft            = "draft"
	StateSubmitted        = "submitted"
	StateInReview         = "in_review"
	StateChangesRequested = "changes_requested"
	StateApproved         = "approved"
	StatePublished        = "published"
	StateSuspended        = "suspended"
	StateUnlisted         = "unlisted"
)

// Actions move a listing or its revision from one state to another.
const (
	ActionSubmit         = "submit"
	ActionWithdraw       = "withdraw"
	ActionStartReview    = "start_review"
	ActionRequestChanges = "request_changes"
	ActionApprove        = "approve"
	ActionPublish        = "publish"
	ActionSuspend        = "suspend"
	ActionReinstate      = "reinstate"
	ActionUnlist         = "unlist"
	ActionRelist         = "relist"
)

// Actor types: who made a transition.
const (
	ActorAdmin     = "admin"     // an admin API key
	ActorReviewer  = "reviewer"  // an embed token with marketplace:review
	ActorDeveloper = "developer" // an embed token with developer, for its team's listing
)

// Installation statuses.
const (
	InstallActive      = "active"
	InstallUninstalled = "uninstalled"
)

// Listing is one entry of the directory.
type Listing struct {
	ID   string `json:"id" doc:"The listing's ID (lst_…)."`
	Slug string `json:"slug" doc:"The listing's immutable, URL-safe name, unique in the installation."`
	Kind string `json:"kind" enum:"app,integration" doc:"What is listed: a third-party OAuth app or one of the SaaS's integrations."`
	// AppID and IntegrationID: exactly one is set, by Kind.
	AppID         string        `json:"app_id" doc:"The OAuth app listed, for kind app; empty otherwise."`
	IntegrationID string        `json:"integration_id" doc:"The integration listed, for kind integration; empty otherwise."`
	TeamID        string        `json:"team_id" doc:"The developer team (a tenant ID) that owns the listing; empty for the SaaS's own integrations."`
	DeveloperName string        `json:"developer_name" doc:"The developer's display name."`
	State         string        `json:"state" enum:"draft,submitted,in_review,changes_requested,approved,published,suspended,unlisted" doc:"The listing's state; before its first publication, its revision's."`
	RevisionState string        `json:"revision_state" enum:",draft,submitted,in_review,changes_requested,approved" doc:"The state of the working revision of a listing that was published once; empty when there is none."`
	Version       int           `json:"version" doc:"The number of the live (published) revision; 0 before the first publication."`
	Content       Content       `json:"content" doc:"The live content once published; before that, the working revision's."`
	Revision      *Revision     `json:"revision" doc:"The working revision (admin, developer and review views only); null when there is none."`
	DataAccess    []DataAccess  `json:"data_access" doc:"What the listing can access: the app's or the integration's scopes, described by the catalog and justified by the developer."`
	InstallCount  int           `json:"install_count" doc:"Active installations now."`
	Rating        Rating        `json:"rating" doc:"The average and distribution of the visible reviews' ratings."`
	Installed     bool          `json:"installed" doc:"Whether the embed token's team has the listing installed (embed marketplace views only)."`
	Installation  *Installation `json:"installation" doc:"The embed token's team's active installation, if any (embed marketplace views only)."`
	CreatedAt     time.Time     `json:"created_at" doc:"When the listing was created."`
	UpdatedAt     time.Time     `json:"updated_at" doc:"When the listing or its revision last changed."`
	PublishedAt   *time.Time    `json:"published_at" doc:"When a revision was last published; null before the first publication."`
}

// Content is what a developer edits and a revision holds.
type Content struct {
	Name                string            `json:"name" doc:"The listed product's name, 1 to 60 characters."`
	Tagline             string            `json:"tagline" doc:"One line saying what it does, 1 to 120 characters."`
	Description         string            `json:"description" doc:"The long description in Markdown (no raw HTML), at most 20,000 bytes."`
	DescriptionHTML     string            `json:"description_html" doc:"The description rendered to safe HTML by Patchbay (read-only)."`
	IconURL             string            `json:"icon_url" doc:"The icon, a path /assets/… returned by the images upload; empty for none."`
	Screenshots         []Screenshot      `json:"screenshots" doc:"Up to 6 screenshots, uploaded through the images upload."`
	Categories          []string          `json:"categories" doc:"Up to 3 category slugs from the catalog."`
	Tags                []string          `json:"tags" doc:"Up to 10 tags of 1 to 30 characters a-z, 0-9 and -."`
	WebsiteURL          string            `json:"website_url" format:"uri" doc:"The product's website, https."`
	SupportURL          string            `json:"support_url" format:"uri" doc:"Where users get support, https; this or support_email is required to submit."`
	SupportEmail        string            `json:"support_email" format:"email" doc:"Where users get support by email."`
	PrivacyURL          string            `json:"privacy_url" format:"uri" doc:"The privacy policy, https; required to submit."`
	TermsURL            string            `json:"terms_url" format:"uri" doc:"The terms of service, https; required to submit."`
	InstallURL          string            `json:"install_url" format:"uri" doc:"For an app: where install sends the user instead of Patchbay's authorize URL, https; empty for the authorize URL."`
	Pricing             string            `json:"pricing" doc:"A short pricing note, at most 200 characters."`
	Languages           []string          `json:"languages" doc:"The languages the product supports, as BCP 47 tags."`
	ScopeJustifications map[string]string `json:"scope_justifications" doc:"Why the product needs each scope, by scope name; every scope needs one to submit."`
}

// Screenshot is one uploaded image with its caption.
type Screenshot struct {
	URL     string `json:"url" doc:"The image's path, /assets/…, from the images upload."`
	Caption string `json:"caption" doc:"A caption of at most 140 characters, also the image's alternative text."`
}

// DataAccess is one scope the listed product can use.
type DataAccess struct {
	Scope         string `json:"scope" doc:"The scope's name."`
	Description   string `json:"description" doc:"What the scope grants, from the scope catalog or the provider."`
	Justification string `json:"justification" doc:"Why the developer needs it; empty when none was given."`
}

// Rating sums up a listing's visible reviews.
type Rating struct {
	Average      float64        `json:"average" doc:"The mean rating, 0 when there are no reviews."`
	Count        int            `json:"count" doc:"How many visible reviews there are."`
	Distribution map[string]int `json:"distribution" doc:"How many visible reviews gave each rating, keyed \"1\" to \"5\"."`
}

// Revision is one version of a listing's content on its way through review.
type Revision struct {
	Number      int        `json:"number" doc:"The revision's number, from 1."`
	State       string     `json:"state" enum:"draft,submitted,in_review,changes_requested,approved,published,superseded" doc:"Where the revision is in the workflow."`
	Content     Content    `json:"content" doc:"The revision's content."`
	CreatedAt   time.Time  `json:"created_at" doc:"When the revision was started."`
	UpdatedAt   time.Time  `json:"updated_at" doc:"When the revision last changed."`
	SubmittedAt *time.Time `json:"submitted_at" doc:"When it was last submitted; null if never."`
	DecidedAt   *time.Time `json:"decided_at" doc:"When a reviewer last approved it or requested changes; null if never."`
	LastNote    string     `json:"last_note" doc:"The note of the revision's last transition."`
}

// Transition is one entry of a listing's workflow log.
type Transition struct {
	ID        string    `json:"id" doc:"The transition's ID (ltr_…)."`
	ListingID string    `json:"listing_id" doc:"The listing."`
	Revision  int       `json:"revision" doc:"The revision the transition moved, or the live one."`
	Action    string    `json:"action" enum:"create,submit,withdraw,start_review,request_changes,approve,publish,suspend,reinstate,unlist,relist" doc:"What was done."`
	FromState string    `json:"from_state" doc:"The state before."`
	ToState   string    `json:"to_state" doc:"The state after."`
	ActorType string    `json:"actor_type" enum:"admin,reviewer,developer" doc:"Who did it: an admin key, a reviewer's or a developer's embed token."`
	ActorID   string    `json:"actor_id" doc:"The API key's ID or the embed token's user ID."`
	ActorName string    `json:"actor_name" doc:"The embed token's user name; empty for an API key."`
	Note      string    `json:"note" doc:"The note given with the action; reviewers' notes reach the developer."`
	CreatedAt time.Time `json:"created_at" doc:"When it happened."`
}

// Installation is a team's (and user's) install of a listing.
type Installation struct {
	ID              string     `json:"id" doc:"The installation's ID (ins_…)."`
	ListingID       string     `json:"listing_id" doc:"The listing installed."`
	ListingSlug     string     `json:"listing_slug" doc:"The listing's slug."`
	ListingName     string     `json:"listing_name" doc:"The listing's live name."`
	Kind            string     `json:"kind" enum:"app,integration" doc:"The listing's kind."`
	TenantID        string     `json:"tenant_id" doc:"The team that installed it."`
	UserID          string     `json:"user_id" doc:"The user who installed it (who granted the app, or owns the connection)."`
	Version         int        `json:"version" doc:"The listing's live version when it was installed."`
	Scopes          []string   `json:"scopes" doc:"The scopes granted."`
	Status          string     `json:"status" enum:"active,uninstalled" doc:"Whether the installation is active."`
	AuthorizationID string     `json:"authorization_id" doc:"The OAuth authorization of an app install."`
	ConnectionID    string     `json:"connection_id" doc:"The connection of an integration install."`
	InstalledBy     string     `json:"installed_by" doc:"The user who installed it."`
	InstalledAt     time.Time  `json:"installed_at" doc:"When it was installed."`
	UninstalledAt   *time.Time `json:"uninstalled_at" doc:"When it was uninstalled; null while active."`
	UninstalledBy   string     `json:"uninstalled_by" doc:"Who uninstalled it: a user ID, an API key's ID, or \"revoked\" when the grant ended outside the marketplace."`
}

// Review is a user's rating of a listing.
type Review struct {
	ID           string    `json:"id" doc:"The review's ID (rvw_…)."`
	ListingID    string    `json:"listing_id" doc:"The listing reviewed."`
	TenantID     string    `json:"tenant_id" doc:"The reviewer's team."`
	UserID       string    `json:"user_id" doc:"The reviewer."`
	UserName     string    `json:"user_name" doc:"The reviewer's display name."`
	Rating       int       `json:"rating" doc:"The rating, 1 to 5."`
	Body         string    `json:"body" doc:"The review's text, at most 2,000 characters."`
	Mine         bool      `json:"mine" doc:"Whether the embed token's user wrote it."`
	Reply        *Reply    `json:"reply" doc:"The developer's reply; null when none."`
	Hidden       bool      `json:"hidden" doc:"Whether an admin hid it; hidden reviews count for nothing and only admins, reviewers and the developer see them."`
	HiddenReason string    `json:"hidden_reason" doc:"Why an admin hid it."`
	CreatedAt    time.Time `json:"created_at" doc:"When it was written."`
	UpdatedAt    time.Time `json:"updated_at" doc:"When it last changed."`
}

// Reply is the developer's one answer to a review.
type Reply struct {
	Body      string    `json:"body" doc:"The reply's text, at most 2,000 characters."`
	CreatedAt time.Time `json:"created_at" doc:"When the developer replied."`
}

// Category is one entry of the catalog the SaaS defines.
type Category struct {
	Slug         string `json:"slug" doc:"The category's URL-safe name."`
	Name         string `json:"name" doc:"The category's display name."`
	Description  string `json:"description" doc:"A sentence about the category."`
	Position     int    `json:"position" doc:"Where the category sorts; lower first."`
	ListingCount int    `json:"listing_count" doc:"How many published listings it has."`
}

// Checks is the result of the pre-submission checks.
type Checks struct {
	OK       bool      `json:"ok" doc:"Whether the revision may be submitted."`
	Problems []Problem `json:"problems" doc:"What must be fixed first."`
}

// Problem is one failed check.
type Problem struct {
	Field  string `json:"field" doc:"The field, as a JSON Pointer-like path (scope_justifications/contacts:read)."`
	Detail string `json:"detail" doc:"What is wrong."`
}

// Stats are a listing's install figures.
type Stats struct {
	ActiveInstalls int        `json:"active_installs" doc:"Active installations now."`
	Days           []DayStats `json:"days" doc:"Installs and uninstalls per UTC day, oldest first, days without any included."`
}

// DayStats are one day's install figures.
type DayStats struct {
	Date       string `json:"date" doc:"The UTC day, YYYY-MM-DD."`
	Installs   int    `json:"installs" doc:"Installations made that day."`
	Uninstalls int    `json:"uninstalls" doc:"Installations ended that day."`
}

// AppWebhook is an app's lifecycle webhook: where Patchbay tells the app's
// developer of app.installed, app.uninstalled and authorization.revoked.
type AppWebhook struct {
	AppID     string    `json:"app_id" doc:"The app."`
	URL       string    `json:"url" format:"uri" doc:"Where the events are sent, https."`
	Secret    string    `json:"secret,omitempty" doc:"The Standard Webhooks signing secret (whsec_…); shown only when set or rotated."`
	CreatedAt time.Time `json:"created_at" doc:"When the webhook was set."`
}

// InstallStart is where the user's browser goes to install a listing.
type InstallStart struct {
	Kind string `json:"kind" enum:"app,integration" doc:"The listing's kind."`
	URL  string `json:"url" format:"uri" doc:"Where to send the user: the OAuth authorize URL (or the app's install URL), or the connect session's page."`
	// SessionID is the connect session of an integration install.
	SessionID string `json:"session_id,omitempty" doc:"The connect session of an integration install."`
}
