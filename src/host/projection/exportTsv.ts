/** Projector TSV export from the editor: pick a snapshot and a folder, run `dcl-explorer export-embeddings`. */
import * as vscode from 'vscode';
import type { EmbeddingLayer } from '../../shared/embeddingFiles';
import type { FeatureHost } from '../vscode/featureHost';
import { runExportJob } from './exportJob';
import { listSnapshots } from './runFiles';

export async function exportSnapshotTsv(host: FeatureHost, runDir: string, epoch?: number, layer?: EmbeddingLayer): Promise<void> {
  if (epoch === undefined || layer === undefined) {
    const snaps = await listSnapshots(runDir);
    if (snaps.length === 0) {
      void vscode.window.showInformationMessage(`${runDir} has no embedding snapshots yet; they are written after each epoch.`);
      return;
    }
    const picked = await vscode.window.showQuickPick(
      snaps
        .slice()
        .reverse()
        .map((s) => ({ label: `Epoch ${s.epoch} · ${s.layer}`, description: `${s.count} × ${s.dim} · ${s.dataset} · step ${s.step}`, s })),
      { title: 'Export which embedding snapshot?' },
    );
    if (!picked) return;
    epoch = picked.s.epoch;
    layer = picked.s.layer;
  }
  const folder = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Export here', title: 'Folder for vectors.tsv and metadata.tsv' });
  if (!folder?.[0]) return;
  const out = folder[0].fsPath;
  const args = ['export-embeddings', '--run-dir', runDir, '--epoch', String(epoch), '--layer', layer, '--out', out];
  if (!(await runExportJob(host, `Exporting epoch ${epoch} (${layer}) to TSV`, args))) return;
  const choice = await vscode.window.showInformationMessage(
    `Wrote vectors.tsv and metadata.tsv to ${out}. Load them at projector.tensorflow.org ("Load").`,
    'Reveal folder',
    'Open Projector',
  );
  if (choice === 'Reveal folder') void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.joinPath(folder[0], 'vectors.tsv'));
  if (choice === 'Open Projector') void vscode.env.openExternal(vscode.Uri.parse('https://projector.tensorflow.org/'));
}
