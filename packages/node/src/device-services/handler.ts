/** All device-service routes as one fetch-style handler for the node's API server. */

import type { IdentityIndex } from "../identity/index.ts";
import type { DeviceConfigService } from "./config/config-service.ts";
import { configRoutes } from "./config/routes.ts";
import type { FirmwareReleases } from "./firmware/releases.ts";
import { firmwareRoutes } from "./firmware/routes.ts";
import { type DeviceServicesHandler, type Route, routeHandler } from "./http.ts";
import type { PerformanceEvidence } from "./performance/evidence.ts";
import type { DevicePerformance } from "./performance/performance.ts";
import { type Authenticate, performanceRoutes } from "./performance/routes.ts";

export interface DeviceServicesOptions {
  config?: DeviceConfigService;
  firmware?: FirmwareReleases;
  performance?: DevicePerformance;
  /** Evidence documents of failure reports (served publicly). */
  evidence?: PerformanceEvidence;
  /** For per-device health: who owns a device and its maker. */
  identity?: Pick<IdentityIndex, "getDevice" | "getManufacturer">;
  /** Who a bearer token belongs to (e.g. apiTokenAuthenticator(api.services.keys, api.services.issuer)). */
  authenticate?: Authenticate;
  /** The URL devices reach the node at (for the configuration URLs); default: the request's origin. */
  publicUrl?: string;
  /** Bearer token for managing templates, settings, DBCs and rules; management is off without it. */
  operatorToken?: string;
  /** Where unexpected errors go (never secrets). */
  logError?: (error: unknown) => void;
}

export function createDeviceServicesHandler(o: DeviceServicesOptions): DeviceServicesHandler {
  const routes: Route[] = [];
  const shared = {
    ...(o.publicUrl !== undefined && { publicUrl: o.publicUrl }),
    ...(o.operatorToken !== undefined && { operatorToken: o.operatorToken }),
  };
  if (o.config) routes.push(...configRoutes(o.config, shared));
  if (o.firmware) routes.push(...firmwareRoutes(o.firmware));
  if (o.performance) {
    routes.push(
      ...performanceRoutes(o.performance, {
        ...shared,
        ...(o.evidence && { evidence: o.evidence }),
        ...(o.identity && { identity: o.identity }),
        ...(o.authenticate && { authenticate: o.authenticate }),
      }),
    );
  }
  return routeHandler(routes, o.logError);
}
