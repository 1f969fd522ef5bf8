import { SignIn } from "../../auth/signIn.ts";
import { clientIp, readParams, type ServerContext } from "../http.ts";
import type { ApiServices } from "../services.ts";

/** `/auth/web3/generate_challenge`, `/auth/web3/submit_challenge` and the JWKS at `/keys`. */
export function authRoutes(s: ApiServices) {
  const signIn = new SignIn({
    chain: s.options.chain,
    chainId: s.options.chainId,
    keys: s.keys,
    challenges: s.challenges,
    issuer: s.issuer,
    tokenLifetimeSeconds: s.options.tokens?.developerLifetimeSeconds ?? 14 * 24 * 3600,
    allowWallets: s.options.allowWalletSignIn ?? true,
  });
  const trustProxy = s.options.rateLimits?.trustProxy ?? false;
  return {
    async generateChallenge(request: Request, context?: ServerContext) {
      s.ipLimiter.take(clientIp(request, context, trustProxy));
      return Response.json(await signIn.generateChallenge(await readParams(request)));
    },
    async submitChallenge(request: Request, context?: ServerContext) {
      s.ipLimiter.take(clientIp(request, context, trustProxy));
      return Response.json(await signIn.submitChallenge(await readParams(request)), {
        headers: { "cache-control": "no-store" },
      });
    },
    async keys() {
      return Response.json(s.keys.jwks(), { headers: { "cache-control": "public, max-age=300" } });
    },
  };
}
