// Signature verification samples for the customer's receiver, in the
// Standard Webhooks scheme Patchbay signs with: the signature header carries
// space-separated "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>", the key
// being the base64 after "whsec_".

export type SampleLanguage = "node" | "python" | "go" | "php" | "ruby";

export const sampleLanguages: [SampleLanguage, string][] = [
  ["node", "Node.js"],
  ["python", "Python"],
  ["go", "Go"],
  ["php", "PHP"],
  ["ruby", "Ruby"],
];

const samples: Record<SampleLanguage, string> = {
  node: `import { createHmac, timingSafeEqual } from "node:crypto";

// rawBody: the request body exactly as received (a Buffer), before JSON parsing.
export function verify(secret, headers, rawBody) {
  const id = headers["webhook-id"], ts = headers["webhook-timestamp"];
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) throw new Error("timestamp too old");
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(\`\${id}.\${ts}.\`).update(rawBody).digest();
  for (const sig of headers["webhook-signature"].split(" ")) {
    const [version, value] = sig.split(",");
    const got = Buffer.from(value ?? "", "base64");
    if (version === "v1" && got.length === expected.length && timingSafeEqual(got, expected)) return;
  }
  throw new Error("no valid signature");
}`,
  python: `import base64, hashlib, hmac, time

def verify(secret: str, headers: dict, raw_body: bytes) -> None:
    msg_id, ts = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(ts)) > 300:
        raise ValueError("timestamp too old")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = hmac.new(key, f"{msg_id}.{ts}.".encode() + raw_body, hashlib.sha256).digest()
    for sig in headers["webhook-signature"].split(" "):
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(base64.b64decode(value), expected):
            return
    raise ValueError("no valid signature")`,
  go: `// Patchbay's Go package does this for you:
//   import "github.com/patchbay/patchbay/webhook"
//   err := webhook.Verify(secret, r.Header, rawBody)
func verify(secret string, h http.Header, rawBody []byte) error {
	id, ts := h.Get("webhook-id"), h.Get("webhook-timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || math.Abs(float64(time.Now().Unix()-sec)) > 300 {
		return errors.New("timestamp missing or too old")
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%s.", id, ts)
	mac.Write(rawBody)
	expected := mac.Sum(nil)
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		value, ok := strings.CutPrefix(sig, "v1,")
		got, err := base64.StdEncoding.DecodeString(value)
		if ok && err == nil && hmac.Equal(got, expected) {
			return nil
		}
	}
	return errors.New("no valid signature")
}`,
  php: `<?php
function verify(string $secret, array $headers, string $rawBody): void {
    $id = $headers['webhook-id']; $ts = $headers['webhook-timestamp'];
    if (abs(time() - (int)$ts) > 300) throw new Exception('timestamp too old');
    $key = base64_decode(preg_replace('/^whsec_/', '', $secret));
    $expected = hash_hmac('sha256', "$id.$ts.$rawBody", $key, true);
    foreach (explode(' ', $headers['webhook-signature']) as $sig) {
        [$version, $value] = array_pad(explode(',', $sig, 2), 2, '');
        if ($version === 'v1' && hash_equals($expected, base64_decode($value))) return;
    }
    throw new Exception('no valid signature');
}`,
  ruby: `require "base64"
require "openssl"

def verify(secret, headers, raw_body)
  id, ts = headers["webhook-id"], headers["webhook-timestamp"]
  raise "timestamp too old" if (Time.now.to_i - ts.to_i).abs > 300
  key = Base64.strict_decode64(secret.delete_prefix("whsec_"))
  expected = OpenSSL::HMAC.digest("SHA256", key, "#{id}.#{ts}.#{raw_body}")
  headers["webhook-signature"].split(" ").each do |sig|
    version, value = sig.split(",", 2)
    return if version == "v1" && OpenSSL.secure_compare(Base64.decode64(value.to_s), expected)
  end
  raise "no valid signature"
end`,
};

/** verifySample is receiver code that checks a Patchbay delivery's signature. */
export function verifySample(lang: SampleLanguage): string {
  return samples[lang];
}
