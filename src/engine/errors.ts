/**
 * Errors the engine raises. Each carries a stable `code` that the service maps to its HTTP and
 * job errors; the engine itself knows nothing about HTTP.
 */
export class EngineError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Two operands whose shapes do not fit the op, or a value of the wrong shape for a slot. */
export class ShapeMismatchError extends EngineError {
  readonly op: string;
  readonly shapes: readonly (readonly number[])[];

  constructor(op: string, shapes: readonly (readonly number[])[], detail: string) {
    const shown = shapes.map((shape) => `[${shape.join(', ')}]`).join(' and ');
    super('SHAPE_MISMATCH', `${op}: ${detail} (shapes ${shown})`);
    this.op = op;
    this.shapes = shapes;
  }
}

/** A non-finite cost or weight: training cannot continue from this state. */
export class TrainingDivergedError extends EngineError {
  readonly epoch: number;

  constructor(epoch: number, what: string) {
    super('TRAINING_DIVERGED', `training diverged in epoch ${epoch}: ${what} is not finite`);
    this.epoch = epoch;
  }
}

/** An option or definition the engine cannot run, such as softmax before the last layer. */
export class InvalidArgumentError extends EngineError {
  readonly path: string;

  constructor(path: string, message: string) {
    super('VALIDATION_FAILED', `${path}: ${message}`);
    this.path = path;
  }
}
