// Schema validation: validators with query operators and $jsonSchema, validation levels and actions,
// collMod, listCollections and bypassDocumentValidation. The expected answers are mongod 7.0's.
import { Double, Int32, ObjectId } from 'bson';
import type { mongo } from 'mongoose';
import { useDatabase } from './helpers';

type Doc = Record<string, unknown>;
/** Documents with _id of any type (the driver's default types assume ObjectId). */
type Row = { _id?: number | string | ObjectId; [field: string]: unknown };

/** The error a rejected promise carries, for assertions on its fields. */
async function failure(promise: Promise<unknown>): Promise<Doc> {
  return promise.then(
    () => ({ outcome: 'succeeded' }),
    (error: unknown) => error as Doc,
  );
}

describe('MongoDB test double: schema validation', () => {
  const handle = useDatabase();
  let seq = 0;
  const create = async (options: mongo.CreateCollectionOptions): Promise<mongo.Collection<Row>> =>
    handle.db.createCollection<Row>(`v${++seq}`, options);

  describe('$jsonSchema', () => {
    // MongoDB manual, "Specify JSON Schema Validation": an insert missing a required field fails with
    // DocumentValidationFailure (121), errmsg "Document failed validation", and errInfo naming the
    // document (failingDocumentId) and the rule: { operatorName: "$jsonSchema", schemaRulesNotSatisfied:
    // [{ operatorName: "required", specifiedAs, missingProperties }] } (SERVER-20547).
    it('when a required field is missing, then the insert fails with 121 and errInfo naming the missing property', async () => {
      const c = await create({ validator: { $jsonSchema: { bsonType: 'object', required: ['name'] } } });
      const _id = new ObjectId();

      const error = await failure(c.insertOne({ _id, other: 1 }));

      expect(error).toMatchObject({ code: 121, errmsg: 'Document failed validation' });
      expect(error.errInfo).toEqual({
        failingDocumentId: _id,
        details: {
          operatorName: '$jsonSchema',
          schemaRulesNotSatisfied: [{ operatorName: 'required', specifiedAs: { required: ['name'] }, missingProperties: ['name'] }],
        },
      });
      expect(await c.countDocuments()).toBe(0);
    });

    // MongoDB manual, "$jsonSchema" (bsonType) and SERVER-20547's example: a property of the wrong BSON
    // type is reported under "properties" / propertiesNotSatisfied with reason "type did not match",
    // consideredValue and consideredType; bsonType "int" does not accept a double.
    it('when a property has the wrong bsonType, then errInfo lists it in propertiesNotSatisfied with its type', async () => {
      const c = await create({ validator: { $jsonSchema: { properties: { year: { bsonType: 'int', description: 'an integer year' } } } } });

      const error = await failure(c.insertOne({ _id: 1, year: new Double(2019.5) }));
      await c.insertOne({ _id: 2, year: new Int32(2019) });

      expect(error).toMatchObject({ code: 121 });
      expect((error.errInfo as Doc).details).toEqual({
        operatorName: '$jsonSchema',
        schemaRulesNotSatisfied: [
          {
            operatorName: 'properties',
            propertiesNotSatisfied: [
              {
                propertyName: 'year',
                description: 'an integer year',
                details: [
                  {
                    operatorName: 'bsonType',
                    specifiedAs: { bsonType: 'int' },
                    reason: 'type did not match',
                    consideredValue: 2019.5,
                    consideredType: 'double',
                  },
                ],
              },
            ],
          },
        ],
      });
      expect(await c.countDocuments()).toBe(1);
    });

    // MongoDB manual, "$jsonSchema": enum, minimum/maximum, minLength/maxLength, pattern, items,
    // minItems/maxItems and nested object schemas each reject a value outside them, and accept one inside.
    it.each([
      [
        'enum',
        { status: { enum: ['A', 'B'] } },
        { status: 'C' },
        { status: 'A' },
        { operatorName: 'enum', reason: 'value was not found in enum', consideredValue: 'C' },
      ],
      [
        'minimum',
        { qty: { minimum: 0 } },
        { qty: -1 },
        { qty: 0 },
        { operatorName: 'minimum', specifiedAs: { minimum: 0 }, reason: 'comparison failed', consideredValue: -1 },
      ],
      [
        'maximum',
        { qty: { maximum: 10 } },
        { qty: 11 },
        { qty: 10 },
        { operatorName: 'maximum', reason: 'comparison failed', consideredValue: 11 },
      ],
      [
        'minLength',
        { code: { minLength: 3 } },
        { code: 'ab' },
        { code: 'abc' },
        { operatorName: 'minLength', reason: 'specified string length was not satisfied' },
      ],
      [
        'maxLength',
        { code: { maxLength: 3 } },
        { code: 'abcd' },
        { code: 'abc' },
        { operatorName: 'maxLength', reason: 'specified string length was not satisfied' },
      ],
      [
        'pattern',
        { email: { pattern: '@example\\.test$' } },
        { email: 'a@b.c' },
        { email: 'a@example.test' },
        { operatorName: 'pattern', reason: 'regular expression did not match' },
      ],
      [
        'items',
        { tags: { items: { bsonType: 'string' } } },
        { tags: ['a', 2] },
        { tags: ['a', 'b'] },
        { operatorName: 'items', reason: 'At least one item did not match the sub-schema', itemIndex: 1 },
      ],
      [
        'minItems',
        { tags: { minItems: 1 } },
        { tags: [] },
        { tags: ['a'] },
        { operatorName: 'minItems', reason: 'array did not match specified length' },
      ],
      [
        'maxItems',
        { tags: { maxItems: 1 } },
        { tags: ['a', 'b'] },
        { tags: ['a'] },
        { operatorName: 'maxItems', reason: 'array did not match specified length' },
      ],
    ])(
      'when a value breaks %s, then the insert fails with 121 and a valid one is accepted',
      async (_keyword, properties, invalid, valid, rule) => {
        const c = await create({ validator: { $jsonSchema: { properties } } });

        const error = await failure(c.insertOne({ ...invalid }));
        await c.insertOne({ ...valid });

        expect(error).toMatchObject({ code: 121 });
        const [propertyRule] = ((error.errInfo as Doc).details as { schemaRulesNotSatisfied: Doc[] }).schemaRulesNotSatisfied;
        expect((propertyRule.propertiesNotSatisfied as Doc[])[0].details).toEqual([expect.objectContaining(rule)]);
        expect(await c.countDocuments()).toBe(1);
      },
    );

    // MongoDB manual, "$jsonSchema" (properties, required) applies to embedded documents too.
    it('when a nested object misses a required field, then the insert fails with the nested rule', async () => {
      const c = await create({
        validator: {
          $jsonSchema: {
            properties: { address: { bsonType: 'object', required: ['city'], properties: { city: { bsonType: 'string' } } } },
          },
        },
      });

      const error = await failure(c.insertOne({ address: { street: 'Main' } }));
      await c.insertOne({ address: { city: 'Paris' } });

      expect(error).toMatchObject({ code: 121 });
      expect((error.errInfo as Doc).details).toEqual({
        operatorName: '$jsonSchema',
        schemaRulesNotSatisfied: [
          {
            operatorName: 'properties',
            propertiesNotSatisfied: [
              {
                propertyName: 'address',
                details: [{ operatorName: 'required', specifiedAs: { required: ['city'] }, missingProperties: ['city'] }],
              },
            ],
          },
        ],
      });
      expect(await c.countDocuments()).toBe(1);
    });

    // MongoDB manual, "Specify JSON Schema Validation": with additionalProperties: false, _id counts as a
    // property and must be listed; extra fields are reported in additionalProperties.
    it('when additionalProperties is false, then undeclared fields (including an unlisted _id) are refused', async () => {
      const strict = await create({
        validator: { $jsonSchema: { additionalProperties: false, properties: { _id: {}, name: { type: 'string' } } } },
      });
      const noId = await create({ validator: { $jsonSchema: { additionalProperties: false, properties: { name: { type: 'string' } } } } });

      const error = await failure(strict.insertOne({ name: 'a', extra: 1 }));
      await strict.insertOne({ name: 'a' });
      const idError = await failure(noId.insertOne({ name: 'a' }));

      expect((error.errInfo as Doc).details).toEqual({
        operatorName: '$jsonSchema',
        schemaRulesNotSatisfied: [
          { operatorName: 'additionalProperties', specifiedAs: { additionalProperties: false }, additionalProperties: ['extra'] },
        ],
      });
      expect(idError).toMatchObject({ code: 121, errInfo: { details: { schemaRulesNotSatisfied: [{ additionalProperties: ['_id'] }] } } });
      expect(await strict.countDocuments()).toBe(1);
    });

    // MongoDB manual, "$jsonSchema" (dependencies): a present property requires the properties it lists.
    it('when a property is present without the properties it depends on, then the insert fails with 121', async () => {
      const c = await create({ validator: { $jsonSchema: { dependencies: { card: ['billing'] } } } });

      const error = await failure(c.insertOne({ card: '4242' }));
      await c.insertOne({ card: '4242', billing: 'Paris' });

      expect((error.errInfo as Doc).details).toEqual({
        operatorName: '$jsonSchema',
        schemaRulesNotSatisfied: [
          { operatorName: 'dependencies', failingDependencies: [{ conditionalProperty: 'card', missingProperties: ['billing'] }] },
        ],
      });
      expect(await c.countDocuments()).toBe(1);
    });

    // MongoDB manual, "$jsonSchema": unknown keywords are refused when the validator is set
    // ("Unknown $jsonSchema keyword", FailedToParse).
    it('when the schema has an unknown keyword, then create fails with 9 FailedToParse', async () => {
      await expect(create({ validator: { $jsonSchema: { bogus: 1 } } })).rejects.toMatchObject({ code: 9 });
    });
  });

  describe('query operators', () => {
    // MongoDB manual, "Specify Validation With Query Operators": the validator is a filter; a failing
    // document gets details with the operator, specifiedAs, reason and consideredValue.
    it('when a document fails a query-operator validator, then errInfo names the operator and the value', async () => {
      const c = await create({ validator: { qty: { $gt: 0 } } });

      const error = await failure(c.insertOne({ _id: 1, qty: -1 }));
      await c.insertOne({ _id: 2, qty: 1 });

      expect(error).toMatchObject({ code: 121, errInfo: { failingDocumentId: 1 } });
      expect((error.errInfo as Doc).details).toEqual({
        operatorName: '$gt',
        specifiedAs: { qty: { $gt: 0 } },
        reason: 'comparison failed',
        consideredValue: -1,
      });
      expect(await c.countDocuments()).toBe(1);
    });

    // MongoDB manual, "Specify Validation With Query Operators": a $or validator reports every clause
    // in clausesNotSatisfied, each with its index.
    it('when no clause of a $or validator holds, then each clause is listed in clausesNotSatisfied', async () => {
      const c = await create({ validator: { $or: [{ phone: { $type: 'string' } }, { status: { $in: ['Unknown', 'Incomplete'] } }] } });

      const error = await failure(c.insertOne({ phone: 375, status: 'Complete' }));
      await c.insertOne({ phone: '375', status: 'Complete' });

      expect((error.errInfo as Doc).details).toEqual({
        operatorName: '$or',
        clausesNotSatisfied: [
          {
            index: 0,
            details: {
              operatorName: '$type',
              specifiedAs: { phone: { $type: 'string' } },
              reason: 'type did not match',
              consideredValue: 375,
              consideredType: 'int',
            },
          },
          {
            index: 1,
            details: {
              operatorName: '$in',
              specifiedAs: { status: { $in: ['Unknown', 'Incomplete'] } },
              reason: 'no matching value found in array',
              consideredValue: 'Complete',
            },
          },
        ],
      });
      expect(await c.countDocuments()).toBe(1);
    });
  });

  describe('writes', () => {
    // MongoDB manual, "Schema Validation": updates are validated too; the failure is a write error (121).
    it('when an update would make a document invalid, then it fails with a 121 write error and the document is unchanged', async () => {
      const c = await create({ validator: { $jsonSchema: { properties: { qty: { minimum: 0 } } } } });
      await c.insertOne({ _id: 1, qty: 5 });

      const result = await handle.db.command({ update: c.collectionName, updates: [{ q: { _id: 1 }, u: { $set: { qty: -1 } } }] });

      expect(result).toMatchObject({
        ok: 1,
        n: 0,
        nModified: 0,
        writeErrors: [{ index: 0, code: 121, errInfo: { failingDocumentId: 1 } }],
      });
      expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, qty: 5 });
    });

    // MongoDB manual, "Schema Validation": an upsert inserts a document, which is validated.
    it('when an upsert would insert an invalid document, then it fails with 121', async () => {
      const c = await create({ validator: { $jsonSchema: { required: ['name'] } } });

      await expect(c.updateOne({ _id: 1 }, { $set: { qty: 1 } }, { upsert: true })).rejects.toMatchObject({ code: 121 });
      expect(await c.countDocuments()).toBe(0);
    });

    // findAndModify reports a failed write as the command's error, not a write error (mongod answers
    // ok: 0 with code 121 and errInfo).
    it('when findAndModify would make a document invalid, then the command fails with 121 and errInfo', async () => {
      const c = await create({ validator: { qty: { $gte: 0 } } });
      await c.insertOne({ _id: 1, qty: 5 });

      const error = await failure(c.findOneAndUpdate({ _id: 1 }, { $inc: { qty: -10 } } as unknown as mongo.UpdateFilter<Row>));

      expect(error).toMatchObject({
        code: 121,
        codeName: 'DocumentValidationFailure',
        errInfo: { failingDocumentId: 1, details: { operatorName: '$gte', consideredValue: -5 } },
      });
      expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, qty: 5 });
    });

    // MongoDB manual, "Bypass Schema Validation": bypassDocumentValidation lets insert, update,
    // findAndModify and aggregate with $out write documents the validator rejects.
    it('when bypassDocumentValidation is set, then insert, update, findAndModify and $out write invalid documents', async () => {
      const c = await create({ validator: { $jsonSchema: { required: ['name'] } } });
      const target = await create({ validator: { $jsonSchema: { required: ['name'] } } });

      await c.insertOne({ _id: 1 }, { bypassDocumentValidation: true });
      await c.updateOne({ _id: 1 }, { $set: { a: 1 } }, { bypassDocumentValidation: true });
      await c.findOneAndUpdate({ _id: 1 }, { $set: { b: 1 } }, { bypassDocumentValidation: true });
      await c.aggregate([{ $out: target.collectionName }], { bypassDocumentValidation: true }).toArray();
      const refusedOut = await failure(c.aggregate([{ $out: target.collectionName }]).toArray());

      expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: 1, b: 1 });
      expect(await target.find().toArray()).toEqual([{ _id: 1, a: 1, b: 1 }]);
      expect(refusedOut).toMatchObject({ code: 121 });
    });

    // MongoDB manual, "Transactions" / "Schema Validation": validation applies to writes inside a
    // transaction; the failed statement aborts the transaction, so nothing is committed.
    it('when an invalid document is written in a transaction, then it fails with 121 and the transaction writes nothing', async () => {
      const c = await create({ validator: { $jsonSchema: { required: ['name'] } } });
      const session = handle.client.startSession();
      try {
        session.startTransaction();
        await c.insertOne({ _id: 1, name: 'ok' }, { session });
        const error = await failure(c.insertOne({ _id: 2 }, { session }));
        await session.abortTransaction();

        expect(error).toMatchObject({ code: 121 });
        expect(await c.countDocuments()).toBe(0);
      } finally {
        await session.endSession();
      }
    });
  });

  describe('levels, actions and collMod', () => {
    // MongoDB manual, "Specify Validation Level for Existing Documents": with validationLevel "moderate",
    // updates to documents that already fail the validator are not checked; valid documents stay valid.
    it('when the level is moderate, then an already-invalid document may be updated but a valid one may not be broken', async () => {
      const c = await create({});
      await c.insertMany([
        { _id: 'invalid', qty: -1 },
        { _id: 'valid', qty: 1 },
      ]);
      await handle.db.command({ collMod: c.collectionName, validator: { qty: { $gte: 0 } }, validationLevel: 'moderate' });

      await c.updateOne({ _id: 'invalid' }, { $set: { qty: -2 } });
      const broken = await failure(c.updateOne({ _id: 'valid' }, { $set: { qty: -3 } }));
      const inserted = await failure(c.insertOne({ _id: 'new', qty: -4 }));

      expect(await c.find().sort({ _id: 1 }).toArray()).toEqual([
        { _id: 'invalid', qty: -2 },
        { _id: 'valid', qty: 1 },
      ]);
      expect(broken).toMatchObject({ code: 121 });
      expect(inserted).toMatchObject({ code: 121 });
    });

    // MongoDB manual, "Specify Validation Level for Existing Documents": with "strict" (the default),
    // updates to already-invalid documents are checked too.
    it('when the level is strict, then an update of an already-invalid document that leaves it invalid fails', async () => {
      const c = await create({});
      await c.insertOne({ _id: 1, qty: -1 });
      await handle.db.command({ collMod: c.collectionName, validator: { qty: { $gte: 0 } } });

      await expect(c.updateOne({ _id: 1 }, { $set: { qty: -2 } })).rejects.toMatchObject({ code: 121 });
    });

    // MongoDB manual, "Schema Validation": validationLevel "off" disables validation.
    it('when the level is off, then invalid documents are accepted', async () => {
      const c = await create({ validator: { qty: { $gte: 0 } }, validationLevel: 'off' });

      await c.insertOne({ qty: -1 });

      expect(await c.countDocuments()).toBe(1);
    });

    // MongoDB manual, "Choose How to Handle Invalid Documents": with validationAction "warn" the write
    // succeeds (and mongod logs "Document would fail validation").
    it('when the action is warn, then an invalid document is written', async () => {
      const c = await create({ validator: { qty: { $gte: 0 } }, validationAction: 'warn' });

      await c.insertOne({ _id: 1, qty: -1 });
      await c.updateOne({ _id: 1 }, { $set: { qty: -2 } });

      expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, qty: -2 });
    });

    // MongoDB manual, "Modify Schema Validation" and "listCollections": collMod replaces the validator,
    // and listCollections shows validator, validationLevel and validationAction in options.
    it('when collMod changes the validator, level and action, then listCollections shows them and the new rule applies', async () => {
      const c = await create({ validator: { qty: { $gte: 0 } } });

      const reply = await handle.db.command({
        collMod: c.collectionName,
        validator: { $jsonSchema: { required: ['name'] } },
        validationLevel: 'moderate',
        validationAction: 'error',
      });
      const [info] = await handle.db.listCollections({ name: c.collectionName }).toArray();
      await c.insertOne({ name: 'x', qty: -1 });
      const error = await failure(c.insertOne({ qty: 1 }));

      expect(reply).toMatchObject({ ok: 1 });
      expect((info as mongo.CollectionInfo).options).toEqual({
        validator: { $jsonSchema: { required: ['name'] } },
        validationLevel: 'moderate',
        validationAction: 'error',
      });
      expect(error).toMatchObject({ code: 121 });
    });

    // mongod's create/collMod parse validationLevel and validationAction as enumerations: any other
    // value fails with BadValue (2).
    it('when validationLevel or validationAction is not a known value, then create and collMod fail with 2', async () => {
      const c = await create({});

      await expect(create({ validationLevel: 'lenient' as mongo.CreateCollectionOptions['validationLevel'] })).rejects.toMatchObject({
        code: 2,
      });
      await expect(handle.db.command({ collMod: c.collectionName, validationAction: 'ignore' })).rejects.toMatchObject({ code: 2 });
    });
  });
});
