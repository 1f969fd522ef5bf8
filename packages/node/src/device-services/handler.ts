/** All device-service routes as one fetch-style handler for the node's API server. */
import type { DeviceConfigService } from "./config/config-service.ts";
import { configRoutes } from "./config/routes.ts";
import type { FirmwareReleases } from "./firmware/releases.ts";
import { firmwareRoutes } from "./firmware/routes.ts";
import { type DeviceServicesHandler, type Route, routeHandler } from "./http.ts";

export interface DeviceServicesOptions {
  config?: DeviceConfigService;
  firmware?: FirmwareReleases;
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
  return routeHandler(routes, o.logError);
}
