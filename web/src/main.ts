/**
 * diffinfer in the browser. The page is a list of panels, each a tab; a panel mounts itself in
 * its own section: the workspace panel (fits in a worker) and the training panel (the neos and
 * INFERNO problems trained in workers).
 */
import './style.css';
import { h } from './dom.js';
import { mountTrainingPanel } from './training-panel.js';
import { mountWorkspacePanel } from './workspace-panel.js';

interface Panel {
  readonly id: string;
  readonly title: string;
  readonly mount: (root: HTMLElement) => void;
}

const PANELS: readonly Panel[] = [
  { id: 'workspace', title: 'Workspace: fit, CLs, limits, pulls', mount: mountWorkspacePanel },
  { id: 'training', title: 'Training: neos and INFERNO, live', mount: mountTrainingPanel },
];

function show(id: string): void {
  for (const p of PANELS) {
    document.getElementById(`panel-${p.id}`)!.hidden = p.id !== id;
    document.getElementById(`tab-${p.id}`)!.setAttribute('aria-selected', String(p.id === id));
  }
}

const nav = document.getElementById('tabs')!;
const main = document.getElementById('panels')!;
for (const p of PANELS) {
  nav.append(h('a', { id: `tab-${p.id}`, href: `#${p.id}`, role: 'tab', class: 'tab' }, p.title));
  const section = h('section', { id: `panel-${p.id}`, role: 'tabpanel', 'aria-labelledby': `tab-${p.id}` });
  main.append(section);
  p.mount(section);
}
const fromHash = () => show(PANELS.find((p) => `#${p.id}` === location.hash)?.id ?? PANELS[0].id);
window.addEventListener('hashchange', fromHash);
fromHash();
