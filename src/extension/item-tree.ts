import * as vscode from 'vscode';
import { Command } from './ids.ts';
import type { Item } from './model/item.ts';

/**
 * Renders a tree of Items built in plain Node. Lazy children come from the analysis worker
 * on first expand; parents are remembered so that any row can be revealed.
 */
export class ItemTree implements vscode.TreeDataProvider<Item>, vscode.Disposable {
  private roots: Item[] = [];
  private readonly parents = new Map<string, Item | undefined>();
  private readonly byId = new Map<string, Item>();
  private readonly changed = new vscode.EventEmitter<Item | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  setRoots(items: Item[]): void {
    this.roots = items;
    this.parents.clear();
    this.byId.clear();
    this.index(items, undefined);
    this.changed.fire(undefined);
  }

  find(id: string): Item | undefined {
    return this.byId.get(id);
  }

  private index(items: Item[], parent: Item | undefined): void {
    for (const item of items) {
      this.parents.set(item.id, parent);
      this.byId.set(item.id, item);
      if (item.children) this.index(item.children, item);
    }
  }

  getTreeItem(item: Item): vscode.TreeItem {
    const expandable = (item.children?.length ?? 0) > 0 || item.expand !== undefined;
    const state = !expandable
      ? vscode.TreeItemCollapsibleState.None
      : item.expanded
        ? vscode.TreeItemCollapsibleState.Expanded
        : vscode.TreeItemCollapsibleState.Collapsed;
    const row = new vscode.TreeItem(item.label, state);
    row.id = item.id;
    row.description = item.description;
    row.tooltip = item.tooltip;
    row.contextValue = item.contextValue;
    if (item.icon) row.iconPath = new vscode.ThemeIcon(item.icon);
    if (item.location) {
      row.command = { title: 'Open Source', command: Command.openLocation, arguments: [item.location] };
    }
    return row;
  }

  async getChildren(item?: Item): Promise<Item[]> {
    if (!item) return this.roots;
    if (!item.children && item.expand) {
      try {
        item.children = await item.expand();
      } catch (error) {
        item.children = [{ id: `${item.id}/error`, label: `Could not read the snapshot: ${(error as Error).message}`, icon: 'error' }];
      }
      this.index(item.children, item);
    }
    return item.children ?? [];
  }

  getParent(item: Item): Item | undefined {
    return this.parents.get(item.id);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
