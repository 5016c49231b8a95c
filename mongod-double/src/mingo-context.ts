// mingo with collation: mingo's own query operators compare strings by code point and a custom
// context cannot override its built-ins, so collated queries use mingo's base Query and Aggregator
// with a full operator context whose comparison operators compare strings with the collation.
import { Aggregator as BaseAggregator } from 'mingo/aggregator';
import { Context, evalExpr } from 'mingo/core';
import * as accumulatorOperators from 'mingo/operators/accumulator';
import * as expressionOperators from 'mingo/operators/expression';
import * as pipelineOperators from 'mingo/operators/pipeline';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import * as windowOperators from 'mingo/operators/window';
import { Query as BaseQuery } from 'mingo/query';
import type { AnyObject, Options } from 'mingo/types';
import { ObjectId } from 'bson';
import { resolve } from 'mingo/util';
import type { Collation } from './collation';
import { compareValues, isDoc } from './values';

type Predicate = (obj: AnyObject) => boolean;
type QueryOperator = (selector: string, value: unknown, options: Options) => Predicate;
type Ops = Record<`$${string}`, QueryOperator>;

const BUILTIN = queryOperators as unknown as Ops;

function hasString(value: unknown): boolean {
  if (typeof value === 'string') return true;
  if (Array.isArray(value)) return value.some(hasString);
  return isDoc(value) && Object.values(value).some(hasString);
}

/** The values a path yields: the value itself and, for arrays, their elements (as mongod matches). */
function candidates(obj: AnyObject, selector: string): unknown[] {
  const value = resolve(obj, selector, { unwrapArray: true });
  if (!Array.isArray(value)) return [value];
  const depth = selector.split('.').length;
  return [value, ...(value.flat(depth) as unknown[])];
}

function collatedOps(collation: Collation): Ops {
  const equal = (a: unknown, b: unknown): boolean => compareValues(a, b, collation.compare) === 0;
  const eq: QueryOperator = (selector, value, options) =>
    hasString(value) ? (obj) => candidates(obj, selector).some((v) => equal(v, value)) : BUILTIN.$eq(selector, value, options);
  const inList: QueryOperator = (selector, value, options) => {
    if (!Array.isArray(value) || !hasString(value)) return BUILTIN.$in(selector, value, options);
    return (obj) =>
      candidates(obj, selector).some((v) => value.some((b) => (b instanceof RegExp ? typeof v === 'string' && b.test(v) : equal(v, b))));
  };
  const range =
    (name: '$gt' | '$gte' | '$lt' | '$lte', test: (c: number) => boolean): QueryOperator =>
    (selector, value, options) => {
      if (typeof value !== 'string') return BUILTIN[name](selector, value, options);
      return (obj) => candidates(obj, selector).some((v) => typeof v === 'string' && test(collation.compare(v, value)));
    };
  return {
    $eq: eq,
    $ne: (selector, value, options) => {
      const p = eq(selector, value, options);
      return (obj) => !p(obj);
    },
    $in: inList,
    $nin: (selector, value, options) => {
      const p = inList(selector, value, options);
      return (obj) => !p(obj);
    },
    $gt: range('$gt', (c) => c > 0),
    $gte: range('$gte', (c) => c >= 0),
    $lt: range('$lt', (c) => c < 0),
    $lte: range('$lte', (c) => c <= 0),
  };
}

type ExpressionOperator = (obj: AnyObject, expr: unknown, options: Options) => unknown;
const BUILTIN_EXPRESSIONS = expressionOperators as unknown as Record<`$${string}`, ExpressionOperator>;

/** mingo's expression operators, with mongod's conversions of the BSON types mingo does not know (an ObjectId's string is its hex). */
const EXPRESSIONS = {
  ...BUILTIN_EXPRESSIONS,
  $toString: (obj: AnyObject, expr: unknown, options: Options): unknown => {
    const value = evalExpr(obj, expr, options);
    return value instanceof ObjectId ? value.toHexString() : BUILTIN_EXPRESSIONS.$toString(obj, { $literal: value }, options);
  },
};

let plainContext: Context | undefined;

/** The full operator context of pipelines without a collation. */
function plainContextOf(): Context {
  plainContext ??= Context.init({
    accumulator: accumulatorOperators as never,
    expression: EXPRESSIONS as never,
    pipeline: pipelineOperators as never,
    projection: projectionOperators as never,
    query: BUILTIN as never,
    window: windowOperators as never,
  });
  return plainContext;
}

/** An aggregation pipeline without a collation, on the double's operator context. */
export function plainAggregator(
  pipeline: AnyObject[],
  options: Omit<CollatedOptions, 'collation'>,
): { run(input: AnyObject[]): AnyObject[] } {
  return new BaseAggregator(pipeline, {
    context: plainContextOf(),
    variables: options.variables,
    collectionResolver: options.collectionResolver,
  });
}

const contexts = new Map<Collation, Context>();

function contextFor(collation: Collation): Context {
  let context = contexts.get(collation);
  if (!context) {
    context = Context.init({
      accumulator: accumulatorOperators as never,
      expression: EXPRESSIONS as never,
      pipeline: pipelineOperators as never,
      projection: projectionOperators as never,
      query: { ...BUILTIN, ...collatedOps(collation) } as never,
      window: windowOperators as never,
    });
    contexts.set(collation, context);
  }
  return context;
}

export interface CollatedOptions {
  collation: Collation;
  variables?: AnyObject;
  collectionResolver?: (name: string) => AnyObject[];
}

export function collatedQuery(filter: AnyObject, options: CollatedOptions): { test(obj: AnyObject): boolean } {
  return new BaseQuery(filter, { context: contextFor(options.collation), variables: options.variables });
}

export function collatedAggregator(pipeline: AnyObject[], options: CollatedOptions): { run(input: AnyObject[]): AnyObject[] } {
  return new BaseAggregator(pipeline, {
    context: contextFor(options.collation),
    collation: options.collation.spec as unknown as Options['collation'],
    variables: options.variables,
    collectionResolver: options.collectionResolver,
  });
}
