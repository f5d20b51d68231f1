package marketplace

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/webhooks"
)

// TransitionRequest asks for a workflow action.
type TransitionRequest struct {
	Action string `json:"action" enum:"submit,withdraw,start_review,request_changes,approve,publish,suspend,reinstate,unlist,relist" doc:"What to do; see the marketplace guide for who may do what from which state."`
	Note   string `json:"note,omitempty" doc:"A note for the log, at most 2,000 characters; required to request changes or suspend, and shown to the developer."`
}

// Valid checks the request's shape.
func (t TransitionRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	if _, ok := rules[t.Action]; !ok {
		p["action"] = "must be one of " + strings.Join(actionNames(), ", ")
	}
	if len(t.Note) > 2000 {
		p["note"] = "must be at most 2,000 bytes"
	}
	return p
}

// rule says what an action does: from which states to which, who may, and
// whether it acts on the working revision or on the live listing.
type rule struct {
	from       []string
	to         string
	who        []string
	onRevision bool
	needsNote  bool
}

var (
	everyone  = []string{ActorAdmin, ActorReviewer, ActorDeveloper}
	reviewers = []string{ActorAdmin, ActorReviewer}
	owners    = []string{ActorAdmin, ActorDeveloper}
)

var rules = map[string]rule{
	ActionSubmit:         {from: []string{StateDraft, StateChangesRequested}, to: StateSubmitted, who: owners, onRevision: true},
	ActionWithdraw:       {from: []string{StateSubmitted}, to: StateDraft, who: owners, onRevision: true},
	ActionStartReview:    {from: []string{StateSubmitted}, to: StateInReview, who: reviewers, onRevision: true},
	ActionRequestChanges: {from: []string{StateSubmitted, StateInReview}, to: StateChangesRequested, who: reviewers, onRevision: true, needsNote: true},
	ActionApprove:        {from: []string{StateSubmitted, StateInReview}, to: StateApproved, who: reviewers, onRevision: true},
	ActionPublish:        {from: []string{StateApproved}, to: StatePublished, who: everyone, onRevision: true},
	ActionSuspend:        {from: []string{StatePublished, StateUnlisted}, to: StateSuspended, who: reviewers, needsNote: true},
	ActionReinstate:      {from: []string{StateSuspended}, to: StatePublished, who: reviewers},
	ActionUnlist:         {from: []string{StatePublished}, to: StateUnlisted, who: everyone},
	ActionRelist:         {from: []string{StateUnlisted}, to: StatePublished, who: everyone},
}

func actionNames() []string {
	var names []string
	for n := range rules {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// events are the lifecycle events actions raise.
var events = map[string]string{
	ActionSubmit:         "listing.submitted",
	ActionApprove:        "listing.approved",
	ActionRequestChanges: "listing.changes_requested",
	ActionPublish:        "listing.published",
	ActionSuspend:        "listing.suspended",
}

// Transition performs a workflow action on a listing, records it, and
// raises its lifecycle event, in one transaction.
func (s *Service) Transition(ctx context.Context, a Actor, listingID string, req TransitionRequest) (Listing, error) {
	ru := rules[req.Action]
	if !slices.Contains(ru.who, a.Type) {
		return Listing{}, apperr.Because(apperr.Forbidden, "action_not_allowed", "a %s may not %s a listing", a.Type, req.Action)
	}
	if ru.needsNote && strings.TrimSpace(req.Note) == "" {
		return Listing{}, apperr.InvalidFields(map[string]string{"note": "is required to " + strings.ReplaceAll(req.Action, "_", " ")})
	}
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		if err := tx.LockRow(ctx, "marketplace_listings", "id", listingID); err != nil {
			return err
		}
		l, err := s.listing(ctx, tx, a, listingID)
		if err != nil {
			return err
		}
		if a.Type == ActorDeveloper && l.Kind != KindApp {
			return errNotFound(listingID)
		}
		if !ru.onRevision {
			if l.Version == 0 || !slices.Contains(ru.from, l.State) {
				return invalidTransition(req.Action, l.State)
			}
			if err := listingSetState(ctx, tx, l.ID, ru.to, l.revision); err != nil {
				return err
			}
			return s.afterTransition(ctx, tx, a, l, req, l.Version, l.State, ru.to)
		}
		if l.revision == 0 {
			return apperr.Because(apperr.Conflict, "invalid_transition", "listing %s has no revision to %s; edit it first", l.ID, req.Action)
		}
		r, err := revisionGet(ctx, tx, l.ID, l.revision)
		if err != nil {
			return err
		}
		if !slices.Contains(ru.from, r.State) {
			return invalidTransition(req.Action, r.State)
		}
		if req.Action == ActionSubmit {
			ch, err := s.checks(ctx, l.Listing, r.Content)
			if err != nil {
				return err
			}
			if !ch.OK {
				return checksFailed(ch)
			}
		}
		if err := revisionSetState(ctx, tx, l.ID, r.Number, ru.to, req.Note); err != nil {
			return err
		}
		state := l.State
		if l.Version == 0 {
			state = ru.to
		}
		if req.Action == ActionPublish {
			if l.Version == 0 || l.State == StatePublished {
				state = StatePublished
			}
			if err := s.publish(ctx, tx, l, r, state); err != nil {
				return err
			}
		} else if err := listingSetState(ctx, tx, l.ID, state, l.revision); err != nil {
			return err
		}
		return s.afterTransition(ctx, tx, a, l, req, r.Number, r.State, ru.to)
	})
	if err != nil {
		return Listing{}, err
	}
	return s.Listing(ctx, a, listingID)
}

func invalidTransition(action, state string) error {
	return apperr.Because(apperr.Conflict, "invalid_transition", "cannot %s from %s", strings.ReplaceAll(action, "_", " "), state)
}

// publish makes revision r the live version of l: the content, its
// categories and its search entry.
func (s *Service) publish(ctx context.Context, tx *store.Tx, l listingRow, r Revision, state string) error {
	c := r.Content
	c.DescriptionHTML = ""
	if err := listingPublish(ctx, tx, l.ID, state, r.Number, c); err != nil {
		return err
	}
	if err := revisionsSupersede(ctx, tx, l.ID, r.Number); err != nil {
		return err
	}
	if err := listingCategoriesSet(ctx, tx, l.ID, c.Categories); err != nil {
		return err
	}
	return searchIndex.Put(ctx, tx, searchKey(l.ID), [4]string{c.Name + " " + strings.Join(c.Tags, " "), c.Tagline, c.Description, l.DeveloperName})
}

// afterTransition records a transition and raises its event.
func (s *Service) afterTransition(ctx context.Context, tx *store.Tx, a Actor, l listingRow, req TransitionRequest, revision int, from, to string) error {
	if err := s.record(ctx, tx, a, l.ID, revision, req.Action, from, to, req.Note); err != nil {
		return err
	}
	eventType, ok := events[req.Action]
	if !ok || s.deps.Hooks == nil {
		return nil
	}
	data := map[string]any{"listing_id": l.ID, "slug": l.Slug, "kind": l.Kind, "team_id": l.TeamID, "revision": revision,
		"note": req.Note, "actor_type": a.Type, "at": tx.Now()}
	if err := s.deps.Hooks.EmitOperational(ctx, tx, eventType, data); err != nil {
		return err
	}
	if l.TeamID == "" {
		return nil
	}
	// The developer team hears of it through its own endpoints, if it has
	// any (a team that is no tenant here has none).
	payload, err := json.Marshal(data)
	if err != nil {
		return err
	}
	_, err = s.deps.Hooks.PublishTx(ctx, tx, l.TeamID, []webhooks.MessageIn{{EventType: eventType, Payload: payload}})
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil
	}
	return err
}

// record appends a transition to a listing's log.
func (s *Service) record(ctx context.Context, tx *store.Tx, a Actor, listingID string, revision int, action, from, to, note string) error {
	return transitionInsert(ctx, tx, Transition{ID: id.New("ltr"), ListingID: listingID, Revision: revision, Action: action,
		FromState: from, ToState: to, ActorType: a.Type, ActorID: a.ID, ActorName: a.Name, Note: note})
}
