// What the fakes of AWS services (Bedrock, SageMaker) share: AWS's JSON error replies, SigV4 verification by
// signing the request again with @smithy/signature-v4 (what the AWS SDKs use), and event-stream frames
// encoded with @smithy/eventstream-codec.
import crypto from 'node:crypto';
import { createRequire } from 'node:module';

// The AWS packages are installed with the conformance tests; resolve them from there.
const require = createRequire(new URL('../conformance/package.json', import.meta.url));
const { SignatureV4 } = require('@smithy/signature-v4');
const { Sha256 } = require('@aws-crypto/sha256-js');
const { EventStreamCodec } = require('@smithy/eventstream-codec');
const { fromUtf8, toUtf8 } = require('@smithy/util-utf8');

const codec = new EventStreamCodec(toUtf8, fromUtf8);

// `namespace` completes the x-amzn-ErrorType suffix AWS adds; `messageKey` is "message" or "Message"
// (Bedrock and SageMaker spell it differently); `extra` adds members (SageMaker's OriginalStatusCode, ...).
export function awsError(res, status, type, message, { namespace = 'com.amazon.coral.service', messageKey = 'message', extra = {} } = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/${namespace}/`,
    'x-amzn-requestid': crypto.randomUUID() });
  res.end(JSON.stringify({ [messageKey]: message, ...extra }));
}

// Returns null when the request's SigV4 signature is right for `service` in `region`, else [type, message]
// of the 403 AWS would send.
export async function signatureProblem(req, raw, creds, { service, region }) {
  const auth = req.headers.authorization ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return ['IncompleteSignatureException', `Authorization header requires Credential, SignedHeaders and Signature: ${auth ? 'malformed' : 'missing'}`];
  const [, keyId, day, scopeRegion, scopeService, signedList, signature] = m;
  if (keyId !== creds.accessKeyId) return ['UnrecognizedClientException', 'The security token included in the request is invalid.'];
  const amzDate = req.headers['x-amz-date'] ?? '';
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== day) return ['InvalidSignatureException', 'x-amz-date missing or not the credential scope date'];
  const when = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  if (Math.abs(Date.now() - when.getTime()) > 5 * 60_000) return ['InvalidSignatureException', 'Signature expired: the request time is too far from the server time'];
  if (scopeRegion !== region || scopeService !== service) return ['InvalidSignatureException', `Credential should be scoped to a valid region (${region}) and service ${service}`];
  const signed = signedList.split(';');
  for (const h of ['host', 'x-amz-date']) if (!signed.includes(h)) return ['InvalidSignatureException', `${h} must be a signed header`];
  if (creds.sessionToken && req.headers['x-amz-security-token'] !== creds.sessionToken) return ['UnrecognizedClientException', 'The security token included in the request is invalid.'];
  const bodyHash = crypto.createHash('sha256').update(raw).digest('hex');
  if (req.headers['x-amz-content-sha256'] !== undefined && req.headers['x-amz-content-sha256'] !== bodyHash)
    return ['InvalidSignatureException', 'The provided x-amz-content-sha256 header does not match what was computed.'];
  const headers = {};
  for (const h of signed) {
    if (req.headers[h] === undefined) return ['InvalidSignatureException', `signed header ${h} is not in the request`];
    headers[h] = req.headers[h];
  }
  const signer = new SignatureV4({ service, region, sha256: Sha256, applyChecksum: false, credentials: creds });
  const expected = await signer.sign({ method: req.method, protocol: 'http:', hostname: String(req.headers.host).split(':')[0],
    path: req.url, query: {}, headers, body: raw }, { signingDate: when });
  const want = /Signature=([0-9a-f]+)/.exec(expected.headers.authorization)[1];
  const wantList = /SignedHeaders=([^,]+)/.exec(expected.headers.authorization)[1];
  if (want !== signature || wantList !== signedList)
    return ['InvalidSignatureException', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.'];
  return null;
}

// One event-stream message with string headers; `body` is a string or bytes.
export function eventFrame(headers, body) {
  const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, { type: 'string', value: v }]));
  return Buffer.from(codec.encode({ headers: h, body: typeof body === 'string' ? fromUtf8(body) : body }));
}

// Writes a frame in two pieces with a pause between, so the gateway's decoder sees partial messages.
export async function sendSplit(res, buf) {
  const cut = Math.max(1, Math.floor(buf.length / 3));
  res.write(buf.subarray(0, cut));
  await new Promise((r) => setTimeout(r, 2));
  res.write(buf.subarray(cut));
}
