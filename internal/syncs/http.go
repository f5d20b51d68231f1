package syncs

import (
	"net/http"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
)

func syncFromPath(r *http.Request) (string, error) {
	return httpapi.PathID(r, "sync_id", "sync")
}

// HandleCreate adds a sync.
func HandleCreate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[SyncParams, Sync]{
		Summary:     "Add a sync: a connection's list endpoint fetched every interval_seconds, its records kept, and their changes sent as sync.record.created, sync.record.updated and sync.record.deleted messages to the tenant's endpoints",
		Description: "Starts polling a provider list endpoint through a connection, for providers without webhooks. Each run compares records with the last and publishes created, updated and deleted messages. 422 names each bad field.",
		Status:      http.StatusCreated,
		Do: func(r *http.Request, req SyncParams) (Sync, error) {
			return s.Create(r.Context(), req)
		},
	})
}

// HandleList lists syncs.
func HandleList(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Sync]]{
		Summary:     "List syncs ordered by ID, by tenant or connection",
		Description: "Lists syncs, filtered by tenant_id or connection_id, paginated by cursor.",
		Query: append([]httpapi.Param{
			{Name: "tenant_id", Description: "only this tenant's syncs"},
			{Name: "connection_id", Description: "only this connection's syncs"},
		}, httpapi.PageParams...),
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Sync], error) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Sync]{}, err
			}
			q := r.URL.Query()
			list, err := s.List(r.Context(), Filter{TenantID: q.Get("tenant_id"), ConnectionID: q.Get("connection_id")}, page)
			return httpapi.NewList(page, list, func(sy Sync) string { return sy.ID }), err
		},
	})
}

// HandleGet returns a sync.
func HandleGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Sync]{
		Summary:     "Get a sync: its configuration, cursor, next run and last error",
		Description: "Returns a sync's configuration and state: next run, whether one is running, and the last error. 404 for an unknown ID.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Sync, error) {
			syncID, err := syncFromPath(r)
			if err != nil {
				return Sync{}, err
			}
			return s.Get(r.Context(), syncID)
		},
	})
}

// HandleUpdate changes a sync.
func HandleUpdate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[SyncParams, Sync]{
		Summary:     "Change a sync: pause or resume it, its interval, request, pagination or mode (a change to what it fetches resets the incremental cursor)",
		Description: "Changes only the fields given; pause and resume with paused. Changing what it fetches starts the incremental cursor again.",
		Do: func(r *http.Request, req SyncParams) (Sync, error) {
			syncID, err := syncFromPath(r)
			if err != nil {
				return Sync{}, err
			}
			return s.Update(r.Context(), syncID, req)
		},
	})
}

// HandleDelete deletes a sync.
func HandleDelete(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Delete a sync with its runs and records; no messages are sent for them",
		Description: "Deletes a sync, its runs and its stored records, without publishing deletions.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			syncID, err := syncFromPath(r)
			if err != nil {
				return httpapi.NoContent{}, err
			}
			return httpapi.NoContent{}, s.Delete(r.Context(), syncID)
		},
	})
}

// HandleRun starts a run now.
func HandleRun(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Sync]{
		Summary:     "Run a sync now, even a paused one (pausing stops only the schedule): it starts within moments on a worker (see its runs); 409 while it runs",
		Description: "Queues a run now instead of waiting for the schedule. 409 while a run is under way.",
		Status:      http.StatusAccepted,
		Do: func(r *http.Request, _ httpapi.NoBody) (Sync, error) {
			syncID, err := syncFromPath(r)
			if err != nil {
				return Sync{}, err
			}
			return s.Run(r.Context(), syncID)
		},
	})
}

// HandleRuns lists a sync's runs.
func HandleRuns(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[SyncRun]]{
		Summary:     "List a sync's runs, newest first, with their record counts, pages, status and error (the newest 100 are kept)",
		Description: "Lists a sync's recent runs with their counts and errors, newest first, to see whether a sync is healthy.",
		Query:       httpapi.PageParams,
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[SyncRun], error) {
			syncID, err := syncFromPath(r)
			if err != nil {
				return httpapi.List[SyncRun]{}, err
			}
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[SyncRun]{}, err
			}
			list, err := s.ListRuns(r.Context(), syncID, page)
			return httpapi.NewList(page, list, func(run SyncRun) string { return run.ID }), err
		},
	})
}

// HandleRecords lists a sync's records.
func HandleRecords(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[SyncRecord]]{
		Summary:     "List a sync's records ordered by ID, deleted ones included (with deleted_at)",
		Description: "Lists the records a sync holds, deleted ones included with deleted_at, paginated by cursor.",
		Query: append([]httpapi.Param{
			{Name: "changed_since", Description: "RFC 3339 time: only records created, changed or deleted at or after it"},
		}, httpapi.PageParams...),
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[SyncRecord], error) {
			syncID, err := syncFromPath(r)
			if err != nil {
				return httpapi.List[SyncRecord]{}, err
			}
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[SyncRecord]{}, err
			}
			problems := map[string]string{}
			since := httpapi.QueryTime(r, "changed_since", problems)
			if len(problems) > 0 {
				return httpapi.List[SyncRecord]{}, apperr.InvalidFields(problems)
			}
			list, err := s.ListRecords(r.Context(), syncID, since.UTC(), page)
			return httpapi.NewList(page, list, func(rec SyncRecord) string { return rec.ID }), err
		},
	})
}
