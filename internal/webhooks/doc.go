// Package webhooks is Patchbay's outgoing webhooks: event types, endpoints,
// messages, and the dispatcher that delivers them, signed with Standard
// Webhooks, retried, isolated per endpoint, ordered on request, and logged.
package webhooks
