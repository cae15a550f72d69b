/**
 * Where the OS release catalog's feeds are fetched from. Every URL is configurable
 * (`facet-connector serve --os-catalog-sofa-url …`), so tests and air-gapped mirrors can point
 * elsewhere; `{product}` and `{id}` are filled in per request.
 */
import { ENDOFLIFE_DEFAULT_URL } from "../policy/catalog/sources/endoflife.ts";
import { MSRC_DEFAULT_URL } from "../policy/catalog/sources/msrc.ts";
import { SOFA_DEFAULT_URL } from "../policy/catalog/sources/sofa.ts";

export interface CatalogSources {
  /** The SOFA macOS feed (v1). */
  sofa: string;
  /** endoflife.date product files, `{product}` = ubuntu, debian, fedora, rhel, windows. */
  endoflife: string;
  /** MSRC CVRF documents, `{id}` = 2026-Aug. */
  msrc: string;
}

export const DEFAULT_CATALOG_SOURCES: CatalogSources = { sofa: SOFA_DEFAULT_URL, endoflife: ENDOFLIFE_DEFAULT_URL, msrc: MSRC_DEFAULT_URL };
