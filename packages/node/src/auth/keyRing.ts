import { randomUUID } from "node:crypto";
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from "jose";
import type { SerialConnection } from "../api/sql.ts";

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
  /** Unix seconds. */
  createdAt: number;
}

export interface KeyRingOptions {
  /** Where keys persist across restarts (table `auth_signing_keys`); in memory when absent. */
  sql?: SerialConnection;
  /**
   * How long a rotated-out key stays published and accepted: at least the longest token lifetime,
   * so that tokens signed just before a rotation stay valid until they expire.
   */
  retainSeconds?: number;
  now?: () => number;
}

export class InvalidTokenError extends Error {
  override name = "InvalidTokenError";
}

const ALG = "RS256";

/**
 * The node's RS256 signing keys. Tokens are signed with the newest key and carry its `kid`; the
 * JWKS (`/keys`) publishes every key still within its retention, so a rotation never breaks a
 * token already handed out. Keys are stored in the node database (private JWKs: protect the
 * database file like any other secret).
 */
export class KeyRing {
  private keys: SigningKey[] = [];
  /**
   * Tokens verified already (apps send the same vehicle token with every query for its ten
   * minutes): the claims, by token and the checks asked for, until the token expires or its key is
   * dropped. Saves an RSA verification per request.
   */
  private readonly verified = new Map<string, { payload: JWTPayload; kid: string }>();
  private readonly retainSeconds: number;
  private readonly now: () => number;

  private constructor(
    private readonly sql: SerialConnection | undefined,
    options: KeyRingOptions,
  ) {
    this.retainSeconds = options.retainSeconds ?? 15 * 24 * 3600;
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  static async open(options: KeyRingOptions = {}): Promise<KeyRing> {
    const ring = new KeyRing(options.sql, options);
    if (options.sql) {
      await options.sql.run(
        `CREATE TABLE IF NOT EXISTS auth_signing_keys (
           kid VARCHAR PRIMARY KEY, private_jwk VARCHAR NOT NULL, created_at BIGINT NOT NULL)`,
      );
      const rows = await options.sql.all(
        "SELECT kid, private_jwk, created_at FROM auth_signing_keys ORDER BY created_at",
      );
      for (const row of rows) {
        ring.keys.push(await fromPrivateJwk(JSON.parse(String(row.private_jwk)), Number(row.created_at)));
      }
    }
    ring.prune();
    if (ring.keys.length === 0) await ring.rotate();
    return ring;
  }

  /** Adds a new signing key; older keys stay valid for verification until their retention ends. */
  async rotate(): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true, modulusLength: 2048 });
    const privateJwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(privateJwk);
    privateJwk.kid = kid;
    const createdAt = Math.max(this.now(), (this.keys.at(-1)?.createdAt ?? 0) + 1);
    if (this.sql) {
      await this.sql.run("INSERT INTO auth_signing_keys VALUES (?, ?, ?)", [
        kid,
        JSON.stringify(privateJwk),
        createdAt,
      ]);
    }
    this.keys.push({ kid, privateKey, publicKey, publicJwk: publicOf(privateJwk, kid), createdAt });
    this.prune();
    return kid;
  }

  /** Drops keys whose successor has existed longer than the retention. */
  private prune(): void {
    const now = this.now();
    this.keys = this.keys.filter((_key, i) => {
      const next = this.keys[i + 1];
      return !next || now - next.createdAt < this.retainSeconds;
    });
  }

  get currentKid(): string {
    return this.current().kid;
  }

  private current(): SigningKey {
    const key = this.keys.at(-1);
    if (!key) throw new Error("key ring is empty");
    return key;
  }

  /** The JSON Web Key Set served at `/keys`. */
  jwks(): { keys: JWK[] } {
    this.prune();
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  async sign(
    claims: JWTPayload,
    p: { issuer: string; audience: string | string[]; subject: string; expiresInSeconds: number },
  ): Promise<string> {
    const key = this.current();
    const iat = this.now();
    return new SignJWT(claims)
      .setProtectedHeader({ alg: ALG, kid: key.kid, typ: "JWT" })
      .setIssuer(p.issuer)
      .setAudience(p.audience)
      .setSubject(p.subject)
      .setIssuedAt(iat)
      .setExpirationTime(iat + p.expiresInSeconds)
      .setJti(randomUUID())
      .sign(key.privateKey);
  }

  /** Verifies signature, `kid`, issuer, audience and expiry; anything wrong is InvalidTokenError. */
  async verify(token: string, p: { issuer: string; audience?: string }): Promise<JWTPayload> {
    if (token.length > 8192) throw new InvalidTokenError("token longer than 8192 characters");
    this.prune();
    const cacheKey = `${p.issuer}|${p.audience ?? ""}|${token}`;
    const hit = this.verified.get(cacheKey);
    if (hit) {
      if (this.now() < Number(hit.payload.exp) && this.keys.some((k) => k.kid === hit.kid))
        return hit.payload;
      this.verified.delete(cacheKey);
    }
    try {
      let kid = "";
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          const key = this.keys.find((k) => k.kid === header.kid);
          if (!key) throw new InvalidTokenError(`unknown signing key ${JSON.stringify(header.kid)}`);
          kid = key.kid;
          return key.publicKey;
        },
        {
          algorithms: [ALG],
          issuer: p.issuer,
          ...(p.audience ? { audience: p.audience } : {}),
          currentDate: new Date(this.now() * 1000),
          requiredClaims: ["exp", "iat", "sub"],
        },
      );
      if (this.verified.size >= 10_000) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(cacheKey, { payload, kid });
      return payload;
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      throw new InvalidTokenError((error as Error).message);
    }
  }
}

function publicOf(jwk: JWK, kid: string): JWK {
  return { kty: jwk.kty!, n: jwk.n!, e: jwk.e!, kid, alg: ALG, use: "sig" };
}

async function fromPrivateJwk(jwk: JWK, createdAt: number): Promise<SigningKey> {
  const kid = jwk.kid!;
  const privateKey = (await importJWK(jwk, ALG)) as CryptoKey;
  const publicJwk = publicOf(jwk, kid);
  const publicKey = (await importJWK(publicJwk, ALG)) as CryptoKey;
  return { kid, privateKey, publicKey, publicJwk, createdAt };
}
