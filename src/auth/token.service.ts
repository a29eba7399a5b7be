import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { UnauthenticatedError } from '../common/domain-error.js';
import { authConfig } from '../config/app.config.js';
import type { AuthUser } from './auth-user.js';
import { userFromClaims } from './token-claims.js';
import { VerifiedTokens } from './verified-tokens.js';

// RFC 6750's scheme is case-insensitive; the token charset is its b64token.
const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]+)$/i;
const PROVIDER_ALGORITHMS = ['RS256', 'ES256'];
// A compact JWS (RFC 7515): three base64url parts without padding. jose's decoder skips a `=` or
// two, so a padded copy of a valid token verified too.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Verifies bearer tokens with jose: HS256 with AUTH_JWT_SECRET, and/or RS256/ES256 with the
 * identity provider's keys (AUTH_JWKS_URL, which jose fetches, caches and refetches on an unknown
 * `kid`), whose tokens must also name AUTH_ISSUER and AUTH_AUDIENCE. Each token's own `alg` picks
 * the key, from an allow-list: `alg: none` and algorithm confusion are refused. `exp` is required.
 */
@Injectable()
export class TokenService {
  private readonly verified = new VerifiedTokens();
  private readonly secret?: KeyObject;
  private readonly providerKeys?: JWTVerifyGetKey;
  private readonly providerOptions: JWTVerifyOptions;

  constructor(@Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>) {
    // A KeyObject made once: building it per verify was a tenth of the CPU of a cached GET.
    if (config.jwtSecret) this.secret = createSecretKey(Buffer.from(config.jwtSecret));
    if (config.jwksUrl) this.providerKeys = createRemoteJWKSet(new URL(config.jwksUrl));
    this.providerOptions = { algorithms: PROVIDER_ALGORITHMS, issuer: config.issuer, audience: config.audience, requiredClaims: ['exp'] };
  }

  /** The user an Authorization header proves, or an UnauthenticatedError (401) saying why. */
  async authenticate(header: unknown): Promise<AuthUser> {
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    if (!match) throw new UnauthenticatedError('Missing or malformed Authorization: Bearer <token>');
    const token = match[1];
    if (!isCanonicalJws(token)) throw this.refusal('the token is malformed (not three base64url parts)');
    const known = this.verified.get(token);
    if (known) return known;
    const user = await this.verify(token);
    if (typeof user === 'string') throw this.refusal(user);
    return user;
  }

  private refusal(why: string): UnauthenticatedError {
    return new UnauthenticatedError(this.config.explainFailures ? `Invalid token: ${why}` : 'Invalid or expired token');
  }

  private async verify(token: string): Promise<AuthUser | string> {
    let alg: string | undefined;
    try {
      ({ alg } = decodeProtectedHeader(token));
    } catch {
      return 'the token is malformed (its header is not base64url JSON)';
    }
    try {
      let payload;
      if (alg === 'HS256' && this.secret) {
        ({ payload } = await jwtVerify(token, this.secret, { algorithms: ['HS256'], requiredClaims: ['exp'] }));
      } else if (PROVIDER_ALGORITHMS.includes(alg!) && this.providerKeys) {
        ({ payload } = await jwtVerify(token, this.providerKeys, this.providerOptions));
      } else {
        return `alg ${JSON.stringify(alg)} is not accepted`;
      }
      const user = userFromClaims(payload);
      if (typeof user !== 'string') this.verified.set(token, user, payload.exp! * 1000);
      return user;
    } catch (error) {
      return reason(error, alg);
    }
  }
}

/**
 * Three base64url parts, and a signature in its one canonical spelling: the decoder also ignores
 * the unused low bits of the last character, so without this one token had several spellings.
 */
function isCanonicalJws(token: string): boolean {
  if (!COMPACT_JWS.test(token)) return false;
  const signature = token.slice(token.lastIndexOf('.') + 1);
  return Buffer.from(signature, 'base64url').toString('base64url') === signature;
}

function reason(error: unknown, alg: string | undefined): string {
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return alg === 'HS256' ? "signature does not match this service's secret" : "signature does not match the identity provider's key";
  }
  if (error instanceof errors.JWKSNoMatchingKey) return "no key of the identity provider matches the token's kid";
  if (error instanceof errors.JWTExpired) return `the token expired at ${timeOf(error.payload.exp)}: get a new one`;
  if (error instanceof errors.JWTClaimValidationFailed) return claimProblem(error);
  if (error instanceof errors.JWTInvalid) return 'the token is malformed (its claims are not a JSON object)';
  if (error instanceof errors.JOSEError) return error.message;
  // Only the provider's key set is fetched: anything else that is not jose's own error is a token
  // it could not parse, which the caller should hear as such.
  if (PROVIDER_ALGORITHMS.includes(alg!)) return "the identity provider's keys could not be fetched";
  return 'the token is malformed';
}

/** A claim check that failed, in the API's words rather than the library's. */
function claimProblem(error: InstanceType<typeof errors.JWTClaimValidationFailed>): string {
  const { claim, reason: why, payload } = error;
  if (why === 'missing') return `the token has no ${claim} claim`;
  if (why === 'invalid') return `the token's ${claim} claim is not a valid value`;
  if (claim === 'nbf') return `the token is not valid before ${timeOf(payload.nbf)}`;
  if (claim === 'iss') return "the token's issuer (iss) is not AUTH_ISSUER";
  if (claim === 'aud') return "the token's audience (aud) is not AUTH_AUDIENCE";
  return `the token's ${claim} claim was refused`;
}

function timeOf(seconds: unknown): string {
  return typeof seconds === 'number' && Number.isFinite(seconds) && Math.abs(seconds) < 8.64e12
    ? new Date(seconds * 1000).toISOString()
    : String(seconds);
}
