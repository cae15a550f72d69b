/**
 * macOS applications: each bundle's Contents/Info.plist under /Applications (and
 * /System/Applications). XML plists are read directly; binary ones (some App Store apps) go
 * through `plutil -convert xml1 -o -`.
 */
export function parseInfoPlist(xml: string): { name: string | null; version: string | null; id: string | null } {
  const value = (key: string): string | null => {
    const m = new RegExp(`<key>${key}</key>\\s*<string>([^<]*)</string>`).exec(xml);
    return m ? decodeXml(m[1]!.trim()) || null : null;
  };
  return {
    name: value("CFBundleDisplayName") ?? value("CFBundleName"),
    version: value("CFBundleShortVersionString") ?? value("CFBundleVersion"),
    id: value("CFBundleIdentifier"),
  };
}

function decodeXml(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}
