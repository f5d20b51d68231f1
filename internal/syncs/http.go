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
		Summary: "Add a sync: a connection's list endpoint fetched every interval_seconds, its records kept, and their changes sent as sync.record.created, sync.record.updated and sync.record.deleted messages to the tenant's endpoints",
		Status:  http.StatusCreated,
		Do: func(r *http.Request, req SyncParams) (Sync, error) {
			return s.Create(r.Context(), req)
		},
	})
}

// HandleList lists syncs.
func HandleList(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Sync]]{
		Summary: "List syncs ordered by ID, by tenant or connection",
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
		Summary: "Get a sync: its configuration, cursor, next run and last error",
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
		Summary: "Change a sync: pause or resume it, its interval, request, pagination or mode (a change to what it fetches resets the incremental cursor)",
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
		Summary: "Delete a sync with its runs and records; no messages are sent for them",
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
		Summary: "Run a sync now, even a paused one (pausing stops only the schedule): it starts within moments on a worker (see its runs); 409 while it runs",
		Status:  http.StatusAccepted,
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
		Summary: "List a sync's runs, newest first, with their record counts, pages, status and error (the newest 100 are kept)",
		Query:   httpapi.PageParams,
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
		Summary: "List a sync's records ordered by ID, deleted ones included (with deleted_at)",
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
