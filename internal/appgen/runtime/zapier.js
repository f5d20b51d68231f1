'use strict';
// The runtime the generated triggers, creates and searches share. Generated
// by Patchbay (`patchbay automation zapier`); regenerate rather than edit.
const crypto = require('crypto');

// addBearer sends the user's access token with every request except those
// to the token endpoint, which authenticate the client instead.
const addBearer = (tokenURL) => (request, z, bundle) => {
  if (bundle.authData && bundle.authData.access_token && request.url !== tokenURL) {
    request.headers = request.headers || {};
    request.headers.Authorization = `Bearer ${bundle.authData.access_token}`;
  }
  return request;
};

// explainErrors turns a problem+json answer into an error a Zap's history
// can show. A 401 is left to autoRefresh, which refreshes the token.
const explainErrors = (response, z) => {
  if (response.status >= 400 && response.status !== 401 && !response.skipThrowForStatus) {
    let detail = response.content;
    try {
      const problem = JSON.parse(response.content);
      detail = problem.detail || problem.title || detail;
    } catch (e) {
      // not JSON: show the body as it is
    }
    throw new z.errors.Error(String(detail).slice(0, 500), `http_${response.status}`, response.status);
  }
  return response;
};

const form = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };

// authentication is OAuth 2 (authorization code with PKCE, rotating refresh
// tokens) against Patchbay; CLIENT_ID and CLIENT_SECRET are the app's
// environment variables in Zapier.
const authentication = (spec) => {
  const resource = spec.resource ? { resource: spec.resource } : {};
  return {
    type: 'oauth2',
    test: { url: spec.me_url },
    connectionLabel: (z, bundle) => bundle.inputData.label || `${bundle.inputData.user_id} (${bundle.inputData.team_name || bundle.inputData.team_id})`,
    oauth2Config: {
      authorizeUrl: {
        url: spec.authorize_url,
        params: {
          client_id: '{{process.env.CLIENT_ID}}',
          state: '{{bundle.inputData.state}}',
          redirect_uri: '{{bundle.inputData.redirect_uri}}',
          response_type: 'code',
          ...resource,
        },
      },
      getAccessToken: {
        url: spec.token_url,
        method: 'POST',
        headers: form,
        body: {
          grant_type: 'authorization_code',
          code: '{{bundle.inputData.code}}',
          redirect_uri: '{{bundle.inputData.redirect_uri}}',
          code_verifier: '{{bundle.inputData.code_verifier}}',
          client_id: '{{process.env.CLIENT_ID}}',
          client_secret: '{{process.env.CLIENT_SECRET}}',
          ...resource,
        },
      },
      refreshAccessToken: {
        url: spec.token_url,
        method: 'POST',
        headers: form,
        body: {
          grant_type: 'refresh_token',
          refresh_token: '{{bundle.authData.refresh_token}}',
          client_id: '{{process.env.CLIENT_ID}}',
          client_secret: '{{process.env.CLIENT_SECRET}}',
          ...resource,
        },
      },
      scope: spec.scope,
      autoRefresh: true,
      enablePkce: true,
    },
  };
};

const fieldTypes = { string: 'string', integer: 'integer', number: 'number', boolean: 'boolean', object: 'text', array: 'text' };

// inputField is a catalog field (or filter field) as a Zapier input field.
const inputField = (f) => {
  const field = { key: f.key, label: f.label, required: Boolean(f.required), type: fieldTypes[f.type] || 'string' };
  if (f.help) field.helpText = f.help;
  if (f.type === 'object' || f.type === 'array') field.helpText = `${f.help ? f.help + ' ' : ''}(JSON)`;
  if (f.enum && f.enum.length) field.choices = f.enum;
  if (f.default !== undefined) field.default = typeof f.default === 'string' ? f.default : JSON.stringify(f.default);
  if (f.dynamic) field.dynamic = f.dynamic;
  return field;
};

// value is an input as the API wants it: numbers, booleans and JSON fields
// arrive from Zapier as text.
const value = (raw, type) => {
  if (raw === undefined || raw === null || raw === '') return undefined;
  switch (type) {
    case 'integer':
    case 'number':
      return Number(raw);
    case 'boolean':
      return raw === true || raw === 'true' || raw === 'yes';
    case 'object':
    case 'array':
      return typeof raw === 'string' ? JSON.parse(raw) : raw;
    default:
      return raw;
  }
};

// pointer reads a JSON Pointer (RFC 6901) from a value.
const pointer = (doc, ptr) => {
  if (!ptr) return doc;
  return ptr
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((v, key) => (v === undefined || v === null ? undefined : v[key]), doc);
};

// callAction makes one call of a catalog action with the bundle's inputs.
const callAction = async (z, spec, inputData) => {
  let url = spec.url_template;
  const params = {};
  const body = {};
  for (const f of spec.fields) {
    const v = value(inputData[f.key], f.type);
    if (v === undefined) continue;
    if (f.in === 'path') url = url.split(`{${f.key}}`).join(encodeURIComponent(String(v)));
    else if (f.in === 'query') params[f.key] = v;
    else body[f.key] = v;
  }
  const request = { url, method: spec.method, params, headers: { Accept: 'application/json' } };
  if (['POST', 'PUT', 'PATCH'].includes(spec.method)) request.body = body;
  if (spec.idempotency === 'key') request.headers['Idempotency-Key'] = crypto.randomUUID();
  const response = await z.request(request);
  return response.data;
};

// asList is a search's answer as the array Zapier wants.
const asList = (answer) => {
  if (Array.isArray(answer)) return answer;
  if (answer && Array.isArray(answer.data)) return answer.data;
  return answer === undefined || answer === null ? [] : [answer];
};

// withID gives every search result the id Zapier requires.
const withID = (item, i) => (item && typeof item === 'object' && !Array.isArray(item) && item.id !== undefined ? item : { id: String(i), value: item });

// hookTrigger is a REST-hook trigger: Zapier subscribes a target URL through
// Patchbay, deliveries call perform, and performList polls for samples.
const hookTrigger = (spec) => ({
  key: spec.zapier_key,
  noun: spec.noun,
  display: { label: spec.label, description: spec.description },
  operation: {
    type: 'hook',
    inputFields: spec.filter_fields.map(inputField),
    performSubscribe: async (z, bundle) => {
      const filter = {};
      for (const f of spec.filter_fields) {
        const v = value(bundle.inputData[f.key], f.type);
        if (v !== undefined) filter[f.key] = v;
      }
      const response = await z.request({ url: spec.subscribe_url, method: 'POST', body: { target_url: bundle.targetUrl, trigger: spec.trigger, filter } });
      return response.data;
    },
    performUnsubscribe: async (z, bundle) => {
      const url = spec.unsubscribe_url.split('{id}').join(encodeURIComponent(bundle.subscribeData.id));
      // 404: the hook is already gone (a 410 from Zapier removed it).
      const response = await z.request({ url, method: 'DELETE', skipThrowForStatus: true });
      if (response.status !== 204 && response.status !== 404) response.throwForStatus();
      return {};
    },
    perform: (z, bundle) => {
      const headers = (bundle.rawRequest && bundle.rawRequest.headers) || {};
      const header = (name) => headers[`Http-${name}`] || headers[name] || headers[name.toLowerCase()];
      const seconds = Number(header('Webhook-Timestamp'));
      return [{
        id: header('Webhook-Id'),
        type: spec.trigger,
        timestamp: Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000).toISOString() : undefined,
        data: bundle.cleanedRequest,
      }];
    },
    performList: async (z, bundle) => {
      const url = spec.poll_url.split('{trigger}').join(encodeURIComponent(spec.trigger));
      const response = await z.request({ url, params: { limit: 3 } });
      return response.data.data;
    },
    sample: spec.sample,
  },
});

// choicesTrigger is a hidden polling trigger that lists a dynamic field's
// choices from another action's answer.
const choicesTrigger = (spec) => ({
  key: spec.zapier_key,
  noun: spec.noun,
  display: { label: spec.label, description: spec.description, hidden: true },
  operation: {
    perform: async (z, bundle) => {
      const answer = await callAction(z, spec.action, {});
      const items = pointer(answer, spec.items_pointer) || [];
      return items.map((item) => ({ id: String(pointer(item, spec.value_pointer)), label: String(pointer(item, spec.label_pointer)) }));
    },
    sample: { id: '1', label: 'Sample' },
  },
});

// action is a create or a search.
const action = (spec) => ({
  key: spec.zapier_key,
  noun: spec.noun,
  display: { label: spec.label, description: spec.description },
  operation: {
    inputFields: spec.action.fields.map(inputField),
    perform: async (z, bundle) => {
      const answer = await callAction(z, spec.action, bundle.inputData);
      if (spec.action.search) return asList(answer).map(withID);
      return answer && typeof answer === 'object' && !Array.isArray(answer) ? answer : { result: answer };
    },
    sample: spec.sample,
  },
});

// byKey turns a list of definitions into the object Zapier wants.
const byKey = (defs) => Object.fromEntries(defs.map((d) => [d.key, d]));

module.exports = { addBearer, explainErrors, authentication, hookTrigger, choicesTrigger, action, byKey };
