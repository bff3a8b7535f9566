import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { LimitExceededError } from '../../errors.js';
import {
  FLOAT32_MAX,
  UnrepresentableWeightError,
  type ExportableModel,
} from '../../export/model.js';
import { encodeOnnxModel } from '../../export/onnx.js';
import { TFJS_WEIGHTS_FILE, tfjsModelJson, tfjsWeights } from '../../export/tfjs.js';
import type { JobRecord } from '../../storage/records.js';
import type { ApiContext } from '../context.js';
import { createJobLookup } from '../job-lookup.js';
import { idParamsSchema, problemResponses } from '../schemas/common.js';
import { PredictQuerySchema, TfjsModelSchema, binaryResponse } from '../schemas/models.js';

const NOT_READY =
  '409 JOB_NOT_FINISHED before the job has a model, ' +
  '409 MODEL_UNAVAILABLE when it ended without one.';

/**
 * /v1/jobs/{id}/model.onnx and /v1/jobs/{id}/tfjs/*: a trained model as files other runtimes
 * load.
 */
export function exportRoutes(context: ApiContext): FastifyPluginAsyncZod {
  const { findJob, loadModel } = createJobLookup(context.store);

  async function exportable(job: JobRecord, acceptCheckpoint: boolean): Promise<ExportableModel> {
    const model = await loadModel(job, acceptCheckpoint);
    return { name: job.id, network: job.network, epoch: model.epoch, layers: model.layers };
  }

  return async (app) => {
    app.get(
      '/v1/jobs/:id/model.onnx',
      {
        schema: {
          tags: ['models'],
          summary: 'The trained model as ONNX',
          description:
            "An ONNX model (IR version 8, opset 13): per layer a Gemm node and the activation's " +
            'node (Sigmoid, Tanh, Relu, LeakyRelu with its alpha, Softmax on the last axis, ' +
            'Identity for linear), float32 weights, input `inputs` [batch, inputSize], output ' +
            '`outputs` [batch, units]. onnxruntime runs it with the outputs of `predict`, to ' +
            'float32 rounding. `?checkpoint=latest` exports the newest checkpoint of a running ' +
            `job. ${NOT_READY}`,
          params: idParamsSchema('job'),
          querystring: PredictQuerySchema,
          response: {
            200: binaryResponse(
              'The ONNX model, as an attachment named after the job.',
              'application/octet-stream',
            ),
            ...problemResponses([400, 401, 404, 409, 422]),
          },
        },
      },
      async (request, reply) => {
        const job = await findJob(request.tenant, request.params.id);
        const model = await exportable(job, request.query.checkpoint === 'latest');
        const bytes = toFile(() => encodeOnnxModel(model));
        const filename = job.hasModel ? `${job.id}.onnx` : `${job.id}-epoch-${model.epoch}.onnx`;
        return reply
          .type('application/octet-stream')
          .header('content-disposition', `attachment; filename="${filename}"`)
          .send(bytes);
      },
    );

    app.get(
      '/v1/jobs/:id/tfjs/model.json',
      {
        schema: {
          tags: ['models'],
          summary: 'The trained model for TensorFlow.js: model.json',
          description:
            "Load with `tf.loadLayersModel('http://HOST/v1/jobs/ID/tfjs/model.json')`: a " +
            'Sequential topology of Dense layers (a leakyRelu layer is a linear Dense plus a ' +
            `LeakyReLU layer), whose manifest names the weights file \`${TFJS_WEIGHTS_FILE}\` ` +
            'next to it. The final model only: the two files are fetched separately and must ' +
            `hold the same weights. ${NOT_READY}`,
          params: idParamsSchema('job'),
          response: { 200: TfjsModelSchema, ...problemResponses([401, 404, 409]) },
        },
      },
      async (request) => {
        const job = await findJob(request.tenant, request.params.id);
        return tfjsModelJson(await exportable(job, false));
      },
    );

    app.get(
      `/v1/jobs/:id/tfjs/${TFJS_WEIGHTS_FILE}`,
      {
        schema: {
          tags: ['models'],
          summary: 'The trained model for TensorFlow.js: the weights file',
          description:
            "Every layer's kernel [inputs, units] and bias [units] in model.json's manifest " +
            `order, as little-endian float32. ${NOT_READY}`,
          params: idParamsSchema('job'),
          response: {
            200: binaryResponse(
              'The weights, as little-endian float32.',
              'application/octet-stream',
            ),
            ...problemResponses([401, 404, 409, 422]),
          },
        },
      },
      async (request, reply) => {
        const job = await findJob(request.tenant, request.params.id);
        const model = await exportable(job, false);
        return reply.type('application/octet-stream').send(toFile(() => tfjsWeights(model)));
      },
    );
  };
}

/** The bytes of an export as a Buffer view; a weight float32 cannot hold is 422 LIMIT_EXCEEDED. */
function toFile(encode: () => Uint8Array): Buffer {
  try {
    const bytes = encode();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch (error) {
    if (error instanceof UnrepresentableWeightError) {
      throw new LimitExceededError(
        'the magnitude of an exported float32 weight',
        FLOAT32_MAX,
        Math.abs(error.value),
        error.path,
      );
    }
    throw error;
  }
}
