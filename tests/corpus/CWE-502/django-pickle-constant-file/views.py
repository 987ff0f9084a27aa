import pickle

from django.http import JsonResponse

MODEL_PATH = "/opt/app/models/churn.pkl"

with open(MODEL_PATH, "rb") as fh:
    MODEL = pickle.load(fh)


def predict(request):
    features = [float(x) for x in request.GET.getlist("f")]
    return JsonResponse({"score": MODEL.predict([features])[0]})
