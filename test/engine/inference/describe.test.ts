import { instance } from '@viz-js/viz';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  describeNetworkGraph,
  graphToDot,
  opRegistry,
  type GraphDescription,
  type NetworkDefinition,
} from '../../../src/engine/index.js';

const network: NetworkDefinition = {
  inputSize: 3,
  layers: [
    { units: 4, activation: 'leakyRelu', alpha: 0.1 },
    { units: 2, activation: 'softmax' },
  ],
  loss: 'categoricalCrossentropy',
};

const LEAF_KINDS = ['input', 'parameter', 'constant'];

describe('describeNetworkGraph', () => {
  const description = describeNetworkGraph(network, 8);
  const byName = (name: string) => description.nodes.find((node) => node.name === name)!;

  it('lists every node with its id, a known op, its shape and inputs recorded before it', () => {
    description.nodes.forEach((node, index) => {
      expect(node.id).toBe(index);
      expect(LEAF_KINDS.includes(node.op) || opRegistry.has(node.op), node.op).toBe(true);
      expect(node.shape).toHaveLength(2);
      for (const input of node.inputs) expect(input).toBeLessThan(node.id);
      if (LEAF_KINDS.includes(node.op)) expect(node.inputs).toEqual([]);
      else expect(node.inputs).toHaveLength(opRegistry.get(node.op)!.arity);
    });
  });

  it('shapes each layer batch rows × units, with W [inputs][units] and b one row', () => {
    expect(byName('inputs').shape).toEqual([8, 3]);
    expect(byName('layer1/W').shape).toEqual([3, 4]);
    expect(byName('layer1/b').shape).toEqual([1, 4]);
    expect(byName('layer1').shape).toEqual([8, 4]);
    expect(byName('layer2/W').shape).toEqual([4, 2]);
    expect(byName('layer2').shape).toEqual([8, 2]);
    expect(byName('targets').shape).toEqual([8, 2]);
  });

  it('wires layer 1 as leakyRelu(biasAdd(matmul(inputs, W), b)) with its α', () => {
    const layer = byName('layer1');
    expect(layer).toMatchObject({ op: 'leakyRelu', attrs: { alpha: 0.1 } });
    const z = description.nodes[layer.inputs[0]];
    expect(z.op).toBe('biasAdd');
    const product = description.nodes[z.inputs[0]];
    expect(product.op).toBe('matmul');
    expect(product.inputs).toEqual([byName('inputs').id, byName('layer1/W').id]);
    expect(z.inputs[1]).toBe(byName('layer1/b').id);
  });

  it('roots the graph at the 1 × 1 loss, or at the cost with its l2 penalty', () => {
    const root = description.nodes[description.root!];
    expect(root).toMatchObject({ op: 'categoricalCrossentropy', shape: [1, 1] });
    expect(root.inputs).toEqual([byName('layer2').id, byName('targets').id]);

    const withL2 = describeNetworkGraph(network, 8, 0.01);
    const cost = withL2.nodes[withL2.root!];
    expect(cost).toMatchObject({ op: 'add', name: 'cost', shape: [1, 1] });
    const penalty = withL2.nodes.find((node) => node.name === 'l2Penalty')!;
    expect(penalty).toMatchObject({ op: 'scale', attrs: { factor: 0.01 } });
    expect(cost.inputs).toContain(penalty.id);
  });
});

describe('graphToDot', () => {
  let render: (dot: string) => { status: string; errors: { level?: string }[]; output?: string };
  beforeAll(async () => {
    const viz = await instance();
    render = (dot) => viz.render(dot, { format: 'json' });
  });

  function expectRenders(description: GraphDescription, dot: string): void {
    const result = render(dot);
    // Graphviz warns that it has no font metrics for '×'; anything worse is a real problem.
    expect(result.errors.filter((error) => error.level !== 'warning')).toEqual([]);
    expect(result.status).toBe('success');
    const parsed = JSON.parse(result.output!) as { objects: unknown[]; edges: unknown[] };
    expect(parsed.objects).toHaveLength(description.nodes.length);
    const edgeCount = description.nodes.reduce((total, node) => total + node.inputs.length, 0);
    expect(parsed.edges).toHaveLength(edgeCount);
  }

  it('produces DOT Graphviz reads: one node per graph node, one edge per input', () => {
    const description = describeNetworkGraph(network, 4, 0.01);
    const dot = graphToDot(description);
    expect(dot.startsWith('digraph "chainrule" {')).toBe(true);
    expect(dot.trimEnd().endsWith('}')).toBe(true);
    expectRenders(description, dot);
  });

  it('labels each node with its op and shape and marks the root', () => {
    const description = describeNetworkGraph(network, 4);
    const dot = graphToDot(description);
    expect(dot).toContain('"matmul\\n[4, 4]"');
    expect(dot).toContain('layer1/W\\nparameter [3, 4]');
    expect(dot).toMatch(new RegExp(`\\n  n${description.root} \\[[^\\n]*peripheries=2`));
  });

  it('quotes titles and names safely', () => {
    const description: GraphDescription = {
      nodes: [
        { id: 0, op: 'parameter', name: 'a "quoted" name', inputs: [], shape: [1, 1] },
        { id: 1, op: 'sum', inputs: [0], shape: [1, 1] },
      ],
      root: 1,
    };
    expectRenders(description, graphToDot(description, 'a "title"\nwith a line break \\'));
  });
});
