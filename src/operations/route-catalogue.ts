import { Inject, Injectable, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ROUTE_SPEC, RouteSpec } from '../common/http/route-spec';
import { ROUTE_ACCESS, RouteAccess } from '../auth/route-access';
import { DescribedRoute } from './openapi-document';

const joinPath = (...parts: string[]): string =>
  '/' +
  parts
    .flatMap((p) => p.split('/'))
    .filter((p) => p.length > 0)
    .join('/');

/** Finds every controller route with its `@Route` spec, from Nest's own metadata. */
@Injectable()
export class RouteCatalogue {
  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  routes(): DescribedRoute[] {
    const routes: DescribedRoute[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as object | undefined;
      if (!instance || !wrapper.metatype) continue;
      const base = String(this.reflector.get<string>(PATH_METADATA, wrapper.metatype) ?? '');
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name] as (...args: unknown[]) => unknown;
        const path = this.reflector.get<string | undefined>(PATH_METADATA, handler);
        const method = this.reflector.get<RequestMethod | undefined>(METHOD_METADATA, handler);
        if (path === undefined || method === undefined) continue;
        const spec = this.reflector.get<RouteSpec | undefined>(ROUTE_SPEC, handler) ?? {
          summary: name,
        };
        const access =
          this.reflector.get<RouteAccess | undefined>(ROUTE_ACCESS, handler) ??
          this.reflector.get<RouteAccess | undefined>(ROUTE_ACCESS, wrapper.metatype);
        routes.push({ method, path: joinPath(base, String(path)), spec, access });
      }
    }
    return routes.sort((a, b) => a.path.localeCompare(b.path));
  }
}
