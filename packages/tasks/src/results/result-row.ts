/** One measured number of a task: a method or a baseline on the task's held-out data. */
export interface ResultRow {
  /** The task as the CLI names it. */
  task: string;
  method: string;
  metric: string;
  value: number;
  higherIsBetter: boolean;
  /** True for the baselines a practitioner would try first. */
  baseline: boolean;
  /** Data, steps, batch and backend the number took. */
  budget: string;
}

/** What a task's results command measured: rows and the setting they share. */
export interface TaskResults {
  task: string;
  rows: ResultRow[];
  /** Data, split sizes, machine: a sentence or two for the Markdown header. */
  setting: string;
  /** What the numbers say against the paper's claim, or why they miss it. */
  notes?: string;
}
