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
	return httpapi.Endpoint{
		Summary: "Add a sync: a connection's list endpoint fetched every interval_seconds, its records kept, and their changes sent as sync.record.created, sync.record.updated and sync.record.deleted messages to the tenant's endpoints",
		Request: SyncParams{}, Response: Sync{}, Status: http.StatusCreated,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			req, err := httpapi.Decode[SyncParams](r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			sy, err := s.Create(r.Context(), req)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusCreated, sy)
		}),
	}
}

// HandleList lists syncs.
func HandleList(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "List syncs ordered by ID, by tenant or connection", Response: httpapi.List[Sync]{},
		Query: append([]httpapi.Param{
			{Name: "tenant_id", Description: "only this tenant's syncs"},
			{Name: "connection_id", Description: "only this connection's syncs"},
		}, httpapi.PageParams...),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			q := r.URL.Query()
			list, err := s.List(r.Context(), Filter{TenantID: q.Get("tenant_id"), ConnectionID: q.Get("connection_id")}, page)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, httpapi.NewList(page, list, func(sy Sync) string { return sy.ID }))
		}),
	}
}

// HandleGet returns a sync.
func HandleGet(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Get a sync: its configuration, cursor, next run and last error", Response: Sync{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			syncID, err := syncFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			sy, err := s.Get(r.Context(), syncID)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, sy)
		}),
	}
}

// HandleUpdate changes a sync.
func HandleUpdate(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Change a sync: pause or resume it, its interval, request, pagination or mode (a change to what it fetches resets the incremental cursor)",
		Request: SyncParams{}, Response: Sync{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			syncID, err := syncFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			req, err := httpapi.Decode[SyncParams](r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			sy, err := s.Update(r.Context(), syncID, req)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, sy)
		}),
	}
}

// HandleDelete deletes a sync.
func HandleDelete(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Delete a sync with its runs and records; no messages are sent for them", Status: http.StatusNoContent,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			syncID, err := syncFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			if err := s.Delete(r.Context(), syncID); err != nil {
				httpapi.Error(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}),
	}
}

// HandleRun starts a run now.
func HandleRun(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:  "Run a sync now, even a paused one (pausing stops only the schedule): it starts within moments on a worker (see its runs); 409 while it runs",
		Response: Sync{}, Status: http.StatusAccepted,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			syncID, err := syncFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			sy, err := s.Run(r.Context(), syncID)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusAccepted, sy)
		}),
	}
}

// HandleRuns lists a sync's runs.
func HandleRuns(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:  "List a sync's runs, newest first, with their record counts, pages, status and error (the newest 100 are kept)",
		Response: httpapi.List[SyncRun]{}, Query: httpapi.PageParams,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			syncID, err := syncFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			page, err := httpapi.ParsePage(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			list, err := s.ListRuns(r.Context(), syncID, page)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, httpapi.NewList(page, list, func(run SyncRun) string { return run.ID }))
		}),
	}
}

// HandleRecords lists a sync's records.
func HandleRecords(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "List a sync's records ordered by ID, deleted ones included (with deleted_at)", Response: httpapi.List[SyncRecord]{},
		Query: append([]httpapi.Param{
			{Name: "changed_since", Description: "RFC 3339 time: only records created, changed or deleted at or after it"},
		}, httpapi.PageParams...),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			syncID, err := syncFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			page, err := httpapi.ParsePage(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			problems := map[string]string{}
			since := httpapi.QueryTime(r, "changed_since", problems)
			if len(problems) > 0 {
				httpapi.Error(w, r, apperr.InvalidFields(problems))
				return
			}
			list, err := s.ListRecords(r.Context(), syncID, since.UTC(), page)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, httpapi.NewList(page, list, func(rec SyncRecord) string { return rec.ID }))
		}),
	}
}
