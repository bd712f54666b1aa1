/**
 * One Output channel per run launched in this window ("DCL run <folder>"), holding the trainer's stdout,
 * stderr (marked) and IPC log lines, so runs that overlap do not interleave. Runs from earlier sessions
 * or the CLI have no channel; "Show log" opens their log.txt, which the trainer writes itself.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RUN_FILES } from '../../shared/protocol';
import type { RunOutput } from '../runs/runManager';

export class RunLogs implements vscode.Disposable {
  private readonly channels = new Map<string, vscode.OutputChannel>();

  channel(runDir: string): vscode.OutputChannel {
    let channel = this.channels.get(runDir);
    if (!channel) {
      channel = vscode.window.createOutputChannel(`DCL run ${path.basename(runDir)}`);
      this.channels.set(runDir, channel);
    }
    return channel;
  }

  append(output: RunOutput): void {
    const prefix = output.stream === 'stderr' ? '[stderr] ' : '';
    this.channel(output.runDir).appendLine(prefix + output.line);
  }

  note(runDir: string, line: string): void {
    this.channel(runDir).appendLine(`── ${line}`);
  }

  /** Shows the run's channel, else opens its log.txt; false when neither exists. */
  async show(runDir: string): Promise<boolean> {
    const channel = this.channels.get(runDir);
    if (channel) {
      channel.show(true);
      return true;
    }
    const logFile = path.join(runDir, RUN_FILES.log);
    if (!fs.existsSync(logFile)) return false;
    await vscode.window.showTextDocument(vscode.Uri.file(logFile), { preview: true });
    return true;
  }

  /** Drops the channel of a deleted run. */
  forget(runDir: string): void {
    this.channels.get(runDir)?.dispose();
    this.channels.delete(runDir);
  }

  dispose(): void {
    for (const c of this.channels.values()) c.dispose();
    this.channels.clear();
  }
}
