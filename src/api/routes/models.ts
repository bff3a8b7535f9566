import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  createPredictor,
  describeNetworkGraph,
  graphToDot,
  matrixFromRows,
  matrixToRows,
} from '../../engine/index.js';
import type { JobRecord } from '../../storage/records.js';
import type { ApiContext } from '../context.js';
import { checkPredictLimits, predictSliceRows } from '../inference-limits.js';
import { createJobLookup } from '../job-lookup.js';
import { predictInSlices } from '../predict-in-slices.js';
import { PredictorCache, type ModelPredictor } from '../predictor-cache.js';
import { checkInputRows } from '../row-shapes.js';
import { idParamsSchema, problemResponses } from '../schemas/common.js';
import {
  GraphDotSchema,
  GraphQuerySchema,
  GraphSchema,
  PredictBodySchema,
  PredictQuerySchema,
  PredictionSchema,
} from '../schemas/models.js';

/**
 * Predictors kept between requests: enough for the models a service is typically asked about at
 * once, and at most 256 MiB by the predictors' own upper bounds (weights and recorded graphs).
 */
const PREDICTOR_CACHE = { maxEntries: 64, maxBytes: 256 * 1024 * 1024 };

/** /v1/jobs/{id}/predict and /v1/jobs/{id}/graph: run a trained network, show what it computes. */
export function modelRoutes(context: ApiContext): FastifyPluginAsyncZod {
  const { store, config } = context;
  const { findJob, loadModel } = createJobLookup(store);
  const predictors = new PredictorCache(PREDICTOR_CACHE);

  /**
   * A finished job's model comes from the cache (its weights never change once stored); a
   * running job's checkpoint changes with every save and is built for its one request.
   */
  async function predictorFor(
    job: JobRecord,
    acceptCheckpoint: boolean,
    log: FastifyBaseLogger,
  ): Promise<ModelPredictor> {
    const build = async () => {
      const model = await loadModel(job, acceptCheckpoint);
      const startedAt = performance.now();
      const predictor = createPredictor(job.network, model.layers);
      log.debug(
        {
          jobId: job.id,
          epoch: model.epoch,
          footprintBytes: predictor.footprintBytes,
          ms: performance.now() - startedAt,
        },
        'predictor built',
      );
      return { predictor, epoch: model.epoch };
    };
    return job.hasModel ? predictors.get(job.id, `final@${job.finishedAt}`, build) : build();
  }

  /** Rows of one training step: the batch size, or every training row (full-batch descent). */
  async function trainingBatchRows(job: JobRecord): Promise<number | null> {
    const dataset = await store.datasets.get(job.tenant, job.datasetId);
    if (!dataset) return job.training.batchSize;
    const trainingRows = Math.floor(dataset.rows * (1 - job.training.validationSplit));
    return Math.min(job.training.batchSize ?? trainingRows, trainingRows);
  }

  return async (app) => {
    app.post(
      '/v1/jobs/:id/predict',
      {
        schema: {
          tags: ['models'],
          summary: 'Predict with a trained model',
          description:
            "Runs the job's model on the given rows in the service itself, from a cache of " +
            "recently used models. Rows must be as wide as the network's inputSize (422 " +
            'SHAPE_MISMATCH). A batch may cost at most 2³⁰ rows × parameters (and produce at ' +
            'most 5,000,000 output values, at most MAX_DATASET_ROWS rows); more is 422 ' +
            'LIMIT_EXCEEDED, naming the most rows allowed for the network. Batches above 2²⁴ ' +
            'rows × parameters are computed in slices that let other requests through in ' +
            'between. 409 JOB_NOT_FINISHED before the job has a model (unless ' +
            '`?checkpoint=latest` and a checkpoint exists), 409 MODEL_UNAVAILABLE when it ended ' +
            'without one.',
          params: idParamsSchema('job'),
          querystring: PredictQuerySchema,
          body: PredictBodySchema,
          response: {
            200: PredictionSchema,
            ...problemResponses([400, 401, 404, 409, 413, 415, 422]),
          },
        },
      },
      async (request) => {
        const job = await findJob(request.tenant, request.params.id);
        const { inputs } = request.body;
        checkInputRows(job.network, inputs);
        checkPredictLimits(job.network, inputs.length, config.limits);

        const { predictor, epoch } = await predictorFor(
          job,
          request.query.checkpoint === 'latest',
          request.log,
        );
        const outputs = await predictInSlices(
          predictor,
          matrixFromRows(inputs),
          predictSliceRows(job.network),
        );
        return { outputs: matrixToRows(outputs), epoch };
      },
    );

    app.get(
      '/v1/jobs/:id/graph',
      {
        schema: {
          tags: ['models'],
          summary: 'The computational graph a training step differentiates',
          description:
            "Every node of the graph the engine records for one training step of the job's " +
            "network, from the inputs through each layer's matmul, biasAdd and activation to the " +
            'loss (and the l2 penalty): its op, shape and inputs. Forward runs in id order, ' +
            'backward in reverse from `root`. `?format=dot` answers Graphviz source ' +
            '(text/vnd.graphviz) to render with `dot -Tsvg`. Available for a job in any state.',
          params: idParamsSchema('job'),
          querystring: GraphQuerySchema,
          response: {
            200: {
              description: 'The graph as JSON, or as Graphviz DOT with `?format=dot`.',
              content: {
                'application/json': { schema: GraphSchema },
                'text/vnd.graphviz': { schema: GraphDotSchema },
              },
            },
            ...problemResponses([400, 401, 404]),
          },
        },
      },
      async (request, reply) => {
        const job = await findJob(request.tenant, request.params.id);
        const batchRows = await trainingBatchRows(job);
        const description = describeNetworkGraph(job.network, batchRows ?? 1, job.training.l2);

        if (request.query.format === 'dot') {
          return reply
            .type('text/vnd.graphviz; charset=utf-8')
            .send(graphToDot(description, job.id));
        }
        return { jobId: job.id, batchRows, root: description.root!, nodes: description.nodes };
      },
    );
  };
}
