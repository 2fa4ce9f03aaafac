import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JWK, JWTPayload, KeyLike } from 'jose';
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify, errors as joseErrors } from 'jose';

/** The audience of Microsoft Graph access tokens. */
export const graphAudience = 'https://graph.microsoft.com';
/** The application id of Microsoft Graph (the resource the `roles` belong to). */
export const graphAppId = '00000003-0000-0000-c000-000000000000';

/** Claims of an app-only Graph access token, as Entra issues them (v1 token format, which Graph uses). */
export interface AppTokenClaims extends JWTPayload {
  aud: string;
  iss: string;
  tid: string;
  appid: string;
  app_displayname: string;
  idtyp: 'app';
  oid: string;
  sub: string;
  roles: string[];
  ver: '1.0';
}

/** Why a bearer token was refused; the Graph layer turns it into a 401 InvalidAuthenticationToken. */
export class TokenRejected extends Error {}

/** The RS256 key that signs access tokens, persisted in the data dir so tokens survive a restart. */
export class TokenSigner {
  /** Tokens whose signature and claims were already checked; expiry is still checked on every use. */
  private readonly verified = new Map<string, AppTokenClaims>();

  private constructor(
    private readonly privateKey: KeyLike | Uint8Array,
    private readonly publicKey: KeyLike | Uint8Array,
    private readonly publicJwk: JWK,
  ) {}

  static async open(dataDir: string): Promise<TokenSigner> {
    const file = join(dataDir, 'entra-sandbox-signing-key.json');
    let privateJwk: JWK;
    try {
      privateJwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
    } catch {
      const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
      privateJwk = { ...(await exportJWK(privateKey)), kid: randomUUID().replace(/-/g, ''), alg: 'RS256', use: 'sig' };
      await writeFile(file, JSON.stringify(privateJwk), { mode: 0o600 });
    }
    const { kty, n, e, kid } = privateJwk;
    const publicJwk: JWK = { kty, use: 'sig', kid, x5t: kid, n, e, alg: 'RS256' };
    return new TokenSigner(await importJWK(privateJwk, 'RS256'), await importJWK(publicJwk, 'RS256'), publicJwk);
  }

  /** The JSON Web Key Set served at `/{tenant}/discovery/v2.0/keys`. */
  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  async sign(claims: Omit<AppTokenClaims, 'iat' | 'nbf' | 'exp'>, lifetimeSeconds: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.publicJwk.kid! })
      .setIssuedAt(now)
      .setNotBefore(now - 300)
      .setExpirationTime(now + lifetimeSeconds)
      .sign(this.privateKey);
  }

  /**
   * Verifies signature, lifetime and audience. Throws {@link TokenRejected} with Graph's wording for the cause.
   */
  async verify(token: string): Promise<AppTokenClaims> {
    const known = this.verified.get(token);
    if (known) {
      if ((known.exp ?? 0) * 1000 > Date.now()) return known;
      this.verified.delete(token);
      throw new TokenRejected('Lifetime validation failed, the token is expired.');
    }
    const claims = await this.verifyOnce(token);
    // An RSA verification per request would dominate the sandbox's CPU time in benchmarks.
    if (this.verified.size >= 10_000) this.verified.clear();
    this.verified.set(token, claims);
    return claims;
  }

  private async verifyOnce(token: string): Promise<AppTokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, { algorithms: ['RS256'] });
      if (payload.aud !== graphAudience && payload.aud !== graphAppId) {
        throw new TokenRejected('Access token validation failure. Invalid audience.');
      }
      if (typeof payload['tid'] !== 'string' || !Array.isArray(payload['roles'])) {
        throw new TokenRejected('Access token validation failure.');
      }
      return payload as AppTokenClaims;
    } catch (err) {
      if (err instanceof TokenRejected) throw err;
      if (err instanceof joseErrors.JWTExpired)
        throw new TokenRejected('Lifetime validation failed, the token is expired.');
      if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
        throw new TokenRejected('Access token validation failure. Invalid signature.');
      }
      if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) {
        throw new TokenRejected('IDX14100: JWT is not well formed, there are no dots (.).');
      }
      throw new TokenRejected('Access token validation failure.');
    }
  }
}
