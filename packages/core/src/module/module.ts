import { ArgumentError, describe } from '../errors.js';
import { tf } from '../tfjs.js';
import { directMembers, isModule, MODULE_BRAND } from './members.js';
import { isParameter, type ParameterKind, parameterKind } from './parameter.js';
import {
  applyLoad,
  exportStateDict,
  type LoadOptions,
  type LoadResult,
  planLoad,
  type StateEntry,
} from './state-dict.js';

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

/**
 * The base of every network, layer and block, in PyTorch's manner: parameters
 * (`parameter()`), buffers (`buffer()`) and sub-modules are plain fields, and name
 * themselves from the fields that hold them, in declaration order: a field `down1`
 * holding a module whose field `conv` holds a module with a parameter `weight` gives
 * `down1.conv.weight`. Arrays (and Maps and plain records) of modules or variables name
 * their items by index (or key): `model.1.weight`, as PyTorch's nn.Sequential does.
 * `#private` fields are not part of the module's state.
 */
export abstract class Module {
  /** True in training mode: dropout drops, batch norm uses and tracks batch statistics. */
  training = true;

  get [MODULE_BRAND](): true {
    return true;
  }

  /** The computation. Call it through `call()` to run inside tf.tidy. */
  abstract forward(...args: any[]): any;

  /**
   * Runs `forward` inside tf.tidy: every intermediate tensor is released, the returned
   * tensors (any nesting of arrays and records) are kept. Variables are never touched by
   * tidy. `forward` must be synchronous for this; call it directly otherwise.
   */
  call<This extends Module>(
    this: This,
    ...args: Parameters<This['forward']>
  ): ReturnType<This['forward']> {
    return tf.tidy(() => this.forward(...args)) as ReturnType<This['forward']>;
  }

  /**
   * Patterns of state dict keys (relative to this module) that loading drops without a
   * word: legacy keys of the reference implementations, such as the `running_mean` that
   * old PyTorch versions saved for an InstanceNorm without running statistics.
   */
  ignoredStateKeys(): RegExp[] {
    return [];
  }

  /**
   * Every module in the tree (this one first, named ''), depth first in field order,
   * each once even when reachable by two paths. Throws on a module containing itself.
   */
  namedModules(): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    walk(this, '', [], (prefix, module) => {
      if (seen.has(module)) return false;
      seen.add(module);
      out.push([prefix, module]);
      return true;
    });
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** The direct sub-modules, each once. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    for (const member of directMembers(this)) {
      if (member.type === 'module' && !seen.has(member.value)) {
        seen.add(member.value);
        out.push([member.name, member.value]);
      }
    }
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * Every parameter of the tree, PyTorch's order (a module's own, then its
   * sub-modules'), each once even when shared. Frozen ones are included.
   */
  namedParameters(): [string, tf.Variable][] {
    return this.uniqueVariables('parameter');
  }

  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, v]) => v);
  }

  /** The parameters an optimizer should update: those not frozen. */
  trainableParameters(): tf.Variable[] {
    return this.parameters().filter((v) => v.trainable);
  }

  namedBuffers(): [string, tf.Variable][] {
    return this.uniqueVariables('buffer');
  }

  buffers(): tf.Variable[] {
    return this.namedBuffers().map(([, v]) => v);
  }

  /** The number of scalars in the parameters (shared ones counted once). */
  numParameters(): number {
    return this.parameters().reduce((sum, v) => sum + v.size, 0);
  }

  /** Switches training mode (dropout, batch norm) on this module and every sub-module. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') {
      throw new ArgumentError(`train(mode): expected a boolean, got ${describe(mode)}`);
    }
    for (const [, module] of this.namedModules()) module.training = mode;
    return this;
  }

  /** `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Freezes (`false`) or unfreezes the parameters: frozen ones are skipped by
   * `trainableParameters()` and by tf.variableGrads without an explicit list.
   */
  requiresGrad(flag = true): this {
    for (const v of this.parameters()) v.trainable = flag;
    return this;
  }

  /**
   * The state dict: every parameter and buffer by its dotted name, a shared one under
   * each of its names (as PyTorch). The tensors are the caller's to dispose; they share
   * memory with the module until either changes. `to: 'torch'` converts the layouts
   * (HWIO -> OIHW and so on, by each parameter's kind) for PyTorch.
   */
  stateDict(options: { to?: 'torch' } = {}): Record<string, tf.Tensor> {
    if (options.to !== undefined && options.to !== 'torch') {
      throw new ArgumentError(
        `stateDict({ to }): expected 'torch' or nothing, got ${describe(options.to)}`,
      );
    }
    return exportStateDict(this.stateEntries(), options.to === 'torch');
  }

  /**
   * Copies a state dict into the module's variables (assign: the variables stay the
   * same objects, and nothing the caller passed is disposed).
   *
   * Strict (the default): every missing key, unexpected key and shape mismatch is
   * reported in one StateDictError, and nothing is loaded. Not strict: what fits is
   * loaded and the rest reported in the result. Keys a module declares in
   * `ignoredStateKeys()` are dropped either way. `from: 'torch'` converts each parameter
   * from PyTorch's layout by its kind first.
   */
  loadStateDict(dict: Record<string, tf.Tensor>, options: LoadOptions = {}): LoadResult {
    const plan = planLoad(
      this.constructor.name,
      this.stateEntries(),
      this.ignoredKeyPatterns(),
      dict,
      options,
    );
    return applyLoad(plan);
  }

  /**
   * What `loadStateDict` would report, without loading anything: the missing,
   * unexpected and mismatched keys.
   */
  checkStateDict(
    dict: Record<string, tf.Tensor>,
    options: Omit<LoadOptions, 'strict'> = {},
  ): LoadResult {
    const plan = planLoad(
      this.constructor.name,
      this.stateEntries(),
      this.ignoredKeyPatterns(),
      dict,
      {
        ...options,
        strict: false,
      },
    );
    plan.release();
    return plan.result;
  }

  /**
   * Releases every variable and tensor of the tree (sub-modules included, shared ones
   * too). The module is unusable afterwards.
   */
  dispose(): void {
    const done = new Set<tf.Tensor>();
    for (const [, module] of this.namedModules()) {
      for (const member of directMembers(module)) {
        if (member.type === 'module' || done.has(member.value)) continue;
        done.add(member.value);
        if (!member.value.isDisposed) member.value.dispose();
      }
    }
  }

  /** Every state entry (parameters and buffers) by key, without removing shared ones. */
  private stateEntries(): StateEntry[] {
    const entries: StateEntry[] = [];
    walk(this, '', [], (prefix, module) => {
      const own = directMembers(module).filter((m) => m.type === 'variable');
      // A module's parameters, then its buffers, as PyTorch orders a state dict.
      for (const role of ['parameter', 'buffer'] as const) {
        for (const member of own) {
          const variable = member.value as tf.Variable;
          if ((role === 'parameter') !== isParameter(variable)) continue;
          const kind: ParameterKind = role === 'parameter' ? parameterKind(variable) : 'plain';
          entries.push({ key: join(prefix, member.name), variable, kind, role });
        }
      }
      return true;
    });
    return entries;
  }

  private uniqueVariables(role: 'parameter' | 'buffer'): [string, tf.Variable][] {
    const seen = new Set<tf.Variable>();
    const out: [string, tf.Variable][] = [];
    for (const entry of this.stateEntries()) {
      if (entry.role !== role || seen.has(entry.variable)) continue;
      seen.add(entry.variable);
      out.push([entry.key, entry.variable]);
    }
    return out;
  }

  /** Each module's ignore patterns with the prefix they apply under. */
  private ignoredKeyPatterns(): { prefix: string; patterns: RegExp[] }[] {
    const out: { prefix: string; patterns: RegExp[] }[] = [];
    walk(this, '', [], (prefix, module) => {
      const patterns = module.ignoredStateKeys();
      if (patterns.length > 0) out.push({ prefix, patterns });
      return true;
    });
    return out;
  }
}

/**
 * Visits the tree depth first; `visit` returns false to skip a module's sub-modules.
 * A module reachable from itself would make every name infinite: that is an error.
 */
function walk(
  module: Module,
  prefix: string,
  ancestors: Module[],
  visit: (prefix: string, module: Module) => boolean,
): void {
  if (ancestors.includes(module)) {
    throw new ArgumentError(
      `${ancestors[0]?.constructor.name}: the module at '${prefix}' (${module.constructor.name}) contains itself`,
    );
  }
  if (!visit(prefix, module)) return;
  ancestors.push(module);
  for (const member of directMembers(module)) {
    if (member.type === 'module') walk(member.value, join(prefix, member.name), ancestors, visit);
  }
  ancestors.pop();
}

export { isModule };
