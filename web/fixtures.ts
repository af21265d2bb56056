/**
 * The workspaces the page bundles. The Vite config (Node) emits each one under `fixtures/` of
 * the site; the page (browser) lists them. A pyhf reference case (`test/fixtures/pyhf`) holds
 * its workspace in the field `workspace` next to pyhf's numbers: the site gets the workspace
 * alone, a file `diffinfer fit` reads as it is.
 */

/** A file of the site built from a repository file. */
export interface FixtureFile {
  /** Path under the site's `fixtures/` folder; its base name is the label of error places. */
  readonly site: string;
  /** Path in the repository. */
  readonly source: string;
  /** Take this top-level field of the source JSON (a pyhf reference case's `workspace`). */
  readonly field?: string;
}

/** A bundled choice: a workspace and the patches applied to it, in order. */
export interface Fixture {
  readonly id: string;
  readonly label: string;
  readonly workspace: FixtureFile;
  readonly patches: readonly FixtureFile[];
}

const pyhfCase = (name: string): FixtureFile => ({ site: `pyhf/${name}.json`, source: `test/fixtures/pyhf/${name}.json`, field: 'workspace' });
const atlasFile = (name: string): FixtureFile => ({ site: `atlas-erjr/${name}`, source: `test/fixtures/atlas-erjr/${name}` });

/** Signal points of the ATLAS ERJR likelihood: m(C1/N2), m(N1) in GeV. */
const ATLAS_POINTS = ['100p0_20p0', '150p0_50p0', '200p0_100p0', '300p0_150p0', '400p0_200p0', '500p0_0p0'] as const;

export const FIXTURES: readonly Fixture[] = [
  { id: 'case-00', label: 'pyhf reference case-00 (3 channels, 18 bins, 31 parameters)', workspace: pyhfCase('case-00'), patches: [] },
  { id: 'example-uncorrelated', label: 'pyhf example: uncorrelated background (shapesys)', workspace: pyhfCase('example-uncorrelated'), patches: [] },
  { id: 'example-correlated', label: 'pyhf example: correlated background (histosys)', workspace: pyhfCase('example-correlated'), patches: [] },
  ...ATLAS_POINTS.map((p) => {
    const [c1, n1] = p.split('_').map((m) => m.replace('p0', ''));
    return {
      id: `atlas-erjr-${p}`,
      label: `ATLAS 3-lepton ERJR likelihood, signal m(C1/N2) = ${c1} GeV, m(N1) = ${n1} GeV`,
      workspace: atlasFile('BkgOnly.json'),
      patches: [atlasFile(`patch.ERJR_${p}.json`)],
    };
  }),
];

/** Every file the site needs for {@link FIXTURES}, each once. */
export function fixtureFiles(): FixtureFile[] {
  const bySite = new Map<string, FixtureFile>();
  for (const f of FIXTURES) for (const file of [f.workspace, ...f.patches]) bySite.set(file.site, file);
  return [...bySite.values()];
}
