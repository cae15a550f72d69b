/** The version `facet --version` and `facet-connector --version` print: the package's. */
import pkg from "../../package.json" with { type: "json" };

export const FACET_VERSION: string = pkg.version;
